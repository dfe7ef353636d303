import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { fallbackLine, findElectronBinary, runDesktop, type FileProbe } from '../../../main/launcher.js';

const ROOT = '/project';
const PKG = join(ROOT, 'node_modules', 'electron');

function files(existing: Record<string, string>): FileProbe {
  return { readText: (path) => existing[path], exists: (path) => path in existing };
}

describe("the launcher's Electron detection", () => {
  it('finds the binary path.txt names inside dist/', () => {
    const probe = files({ [join(PKG, 'package.json')]: '{}', [join(PKG, 'path.txt')]: 'electron', [join(PKG, 'dist', 'electron')]: '' });
    expect(findElectronBinary(ROOT, {}, probe)).toEqual({ found: true, path: join(PKG, 'dist', 'electron') });
  });

  it('reports a missing binary: no path.txt (Electron 45 downloads lazily), or path.txt without the file', () => {
    expect(findElectronBinary(ROOT, {}, files({ [join(PKG, 'package.json')]: '{}' }))).toEqual({ found: false, reason: "Electron's binary is not installed here" });
    const half = findElectronBinary(ROOT, {}, files({ [join(PKG, 'package.json')]: '{}', [join(PKG, 'path.txt')]: 'electron' }));
    expect(half).toMatchObject({ found: false, reason: expect.stringContaining('missing') });
  });

  it('reports a missing package', () => {
    expect(findElectronBinary(ROOT, {}, files({}))).toMatchObject({ found: false, reason: expect.stringContaining('not installed') });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH as the electron package does', () => {
    const probe = files({ [join(PKG, 'package.json')]: '{}', '/opt/electron/electron': '' });
    expect(findElectronBinary(ROOT, { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' }, probe)).toEqual({ found: true, path: '/opt/electron/electron' });
  });

  it('the real project here: matches whether node_modules/electron/dist holds the binary', async () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const { existsSync, readFileSync } = await import('node:fs');
    const pathTxt = join(root, 'node_modules', 'electron', 'path.txt');
    const expected = existsSync(pathTxt) && existsSync(join(root, 'node_modules', 'electron', 'dist', readFileSync(pathTxt, 'utf8').trim()));
    expect(findElectronBinary(root, {}).found).toBe(expected);
  });

  it('without a binary: prints one line, then runs `serve` with the same options', async () => {
    const warn = vi.fn();
    const serve = vi.fn(async () => undefined);
    const how = await runDesktop(['--port', '0'], ROOT, { env: {}, files: files({ [join(PKG, 'package.json')]: '{}' }), serve, warn });
    expect(how).toBe('headless');
    expect(warn).toHaveBeenCalledOnce();
    const line = warn.mock.calls[0]![0] as string;
    expect(line).not.toContain('\n');
    expect(line).toBe(fallbackLine("Electron's binary is not installed here"));
    expect(line).toMatch(/^curbcast: Electron's binary is not installed here \(run `npx install-electron` where GitHub is reachable\); starting the node headless\.$/);
    expect(serve).toHaveBeenCalledWith(['serve', '--port', '0']);
  });
});
