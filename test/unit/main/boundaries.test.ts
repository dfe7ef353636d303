import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|js|mjs|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ type: !!m[1], from: m[2]! }));

describe('where Electron may be imported', () => {
  it('never in the node, the shared schemas or the pages (the node runs without Electron)', () => {
    const offenders = ['server', 'common', 'renderer']
      .flatMap((folder) => sources(join(ROOT, folder)))
      .filter((file) => importsOf(file).some((i) => i.from === 'electron' || i.from.startsWith('electron/')))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it("in main/, only main.ts imports Electron's values (the rest takes them injected, types only)", () => {
    const offenders = sources(join(ROOT, 'main'))
      .filter((file) => !file.endsWith('main.ts'))
      .filter((file) => importsOf(file).some((i) => i.from === 'electron' && !i.type))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('the node host entry imports nothing from Electron at all (it also runs under plain Node)', () => {
    for (const file of ['main/node-host-entry.ts', 'main/node-host.ts', 'main/protocol.ts', 'main/launcher.ts']) {
      expect(importsOf(join(ROOT, file)).filter((i) => i.from === 'electron'), file).toEqual([]);
    }
  });
});
