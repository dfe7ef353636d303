import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataFolderProblem } from '../../server/cli.js';
import { InstanceRegistry } from '../../server/diagnostics/gauges.js';

describe('InstanceRegistry', () => {
  it('counts open objects by kind; release is idempotent', () => {
    const registry = new InstanceRegistry();
    const a = registry.track('viewer', {});
    const b = registry.track('viewer', {});
    registry.track('publisher', {});
    expect(registry.open()).toEqual({ publisher: 1, viewer: 2 });
    a();
    a();
    expect(registry.open()).toEqual({ publisher: 1, viewer: 1 });
    b();
    expect(registry.open()).toEqual({ publisher: 1, viewer: 0 });
    // Not collected yet (no GC forced here): still in memory.
    expect(registry.inMemory().viewer).toBeGreaterThanOrEqual(0);
  });
});

describe('dataFolderProblem', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('makes a missing folder (and its logs/) and finds nothing wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curbcast-folder-'));
    dirs.push(dir);
    expect(dataFolderProblem(join(dir, 'new', 'data'))).toBeUndefined();
    expect(existsSync(join(dir, 'new', 'data', 'logs'))).toBe(true);
  });

  it('says in words why a path cannot be the data folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curbcast-folder-'));
    dirs.push(dir);
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    expect(dataFolderProblem(join(file, 'data'))).toBe('part of that path is a file, not a folder');
    expect(dataFolderProblem(file)).toBe('that is a file, not a folder');
  });
});
