import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { BRIDGE_CHANNELS } from '../../../common/bridge.js';
import { desktopApi, safeFileName, type DesktopApiDeps } from '../../../main/desktop-api.js';
import { handler, registerIpc, trustedSender, type InvokeEvent, type IpcRegistrar } from '../../../main/ipc.js';

const ORIGIN = 'http://localhost:8788';
const studio: InvokeEvent = { senderFrame: { url: `${ORIGIN}/studio/#token=t`, parent: null } };

/** An ipcMain stand-in: records handlers and lets a test invoke them as a renderer would. */
function fakeIpc() {
  const handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipc: IpcRegistrar = { handle: (channel, listener) => void handlers.set(channel, listener) };
  const invoke = (channel: string, event: InvokeEvent, ...args: unknown[]) => handlers.get(channel)!(event, ...args);
  return { ipc, handlers, invoke };
}

describe('the IPC wrapper', () => {
  it('trusts only the main frame on the node origin', () => {
    expect(trustedSender(studio, ORIGIN)).toBe(true);
    expect(trustedSender({ senderFrame: { url: `${ORIGIN}/studio/`, parent: {} } }, ORIGIN)).toBe(false);
    expect(trustedSender({ senderFrame: { url: 'https://evil.example/', parent: null } }, ORIGIN)).toBe(false);
    expect(trustedSender({ senderFrame: { url: 'http://localhost:8789/', parent: null } }, ORIGIN)).toBe(false);
    expect(trustedSender({ senderFrame: null }, ORIGIN)).toBe(false);
    expect(trustedSender(studio, undefined)).toBe(false);
  });

  it('refuses untrusted senders before running anything', async () => {
    const { ipc, invoke } = fakeIpc();
    const run = vi.fn(async () => 'x');
    registerIpc(ipc, [handler(BRIDGE_CHANNELS.appVersion, z.tuple([]), run)], () => ORIGIN);
    const reply = await invoke(BRIDGE_CHANNELS.appVersion, { senderFrame: { url: 'https://evil.example/', parent: null } });
    expect(reply).toEqual({ ok: false, error: 'Not allowed from this page.' });
    expect(run).not.toHaveBeenCalled();
  });

  it('parses arguments with the handler schema and replies {ok, value} or {ok: false, error}', async () => {
    const { ipc, invoke } = fakeIpc();
    const run = vi.fn(async (id: number) => ({ saved: true, id }));
    registerIpc(ipc, [handler(BRIDGE_CHANNELS.saveShortAs, z.tuple([z.number().int().positive()]), run)], () => ORIGIN);
    expect(await invoke(BRIDGE_CHANNELS.saveShortAs, studio, 7)).toEqual({ ok: true, value: { saved: true, id: 7 } });
    for (const bad of [['7'], [-1], [1.5], [], [1, 2], [{ toString: () => '1' }]]) {
      const reply = (await invoke(BRIDGE_CHANNELS.saveShortAs, studio, ...bad)) as { ok: boolean; error: string };
      expect(reply.ok, JSON.stringify(bad)).toBe(false);
      expect(reply.error).toMatch(/Bad arguments/);
    }
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('turns a thrown error into its message', async () => {
    const { ipc, invoke } = fakeIpc();
    registerIpc(ipc, [handler(BRIDGE_CHANNELS.appVersion, z.tuple([]), async () => Promise.reject(new Error('disk on fire')))], () => ORIGIN);
    expect(await invoke(BRIDGE_CHANNELS.appVersion, studio)).toEqual({ ok: false, error: 'disk on fire' });
  });

  it('refuses to register a channel outside curbcast:', () => {
    const { ipc } = fakeIpc();
    expect(() => registerIpc(ipc, [handler('evil' as never, z.tuple([]), async () => 1)], () => ORIGIN)).toThrow(/curbcast:/);
  });
});

describe('the bridge methods', () => {
  function deps(overrides: Partial<DesktopApiDeps> = {}): DesktopApiDeps {
    return {
      appVersion: '1.2.3',
      recordingsDir: () => '/data/recordings',
      ensureDir: vi.fn(async () => undefined),
      openFolder: vi.fn(async () => ''),
      clipFile: async (id) => (id === 4 ? { path: '/data/clips/2026-11-22_18-05-09_song.webm', title: 'Song: "live" at the bridge?' } : null),
      saveDialog: vi.fn(async (defaultPath: string) => defaultPath.replace('/home/me/Downloads', '/home/me/Videos')),
      copyFile: vi.fn(async () => undefined),
      downloadsDir: () => '/home/me/Downloads',
      loginItems: { supported: true, get: () => true, set: vi.fn() },
      ...overrides,
    };
  }
  async function call(d: DesktopApiDeps, channel: string, ...args: unknown[]) {
    const { ipc, invoke } = fakeIpc();
    registerIpc(ipc, desktopApi(d), () => ORIGIN);
    return invoke(channel, studio, ...args);
  }

  it('registers exactly the channels of common/bridge.ts', () => {
    const { ipc, handlers } = fakeIpc();
    registerIpc(ipc, desktopApi(deps()), () => ORIGIN);
    expect([...handlers.keys()].sort()).toEqual(Object.values(BRIDGE_CHANNELS).sort());
  });

  it('appVersion and openRecordingsFolder', async () => {
    const d = deps();
    expect(await call(d, BRIDGE_CHANNELS.appVersion)).toEqual({ ok: true, value: '1.2.3' });
    expect(await call(d, BRIDGE_CHANNELS.openRecordingsFolder)).toEqual({ ok: true, value: undefined });
    expect(d.ensureDir).toHaveBeenCalledWith('/data/recordings');
    expect(d.openFolder).toHaveBeenCalledWith('/data/recordings');
    expect(await call(deps({ openFolder: async () => 'no file manager' }), BRIDGE_CHANNELS.openRecordingsFolder)).toMatchObject({ ok: false, error: expect.stringContaining('no file manager') });
    expect(await call(deps({ recordingsDir: () => undefined }), BRIDGE_CHANNELS.openRecordingsFolder)).toMatchObject({ ok: false });
  });

  it('saveShortAs: a save dialog named after the title, then a copy of the clip file', async () => {
    const d = deps();
    expect(await call(d, BRIDGE_CHANNELS.saveShortAs, 4)).toEqual({ ok: true, value: { saved: true, path: '/home/me/Videos/Song live at the bridge.webm' } });
    expect(d.saveDialog).toHaveBeenCalledWith('/home/me/Downloads/Song live at the bridge.webm', 'webm');
    expect(d.copyFile).toHaveBeenCalledWith('/data/clips/2026-11-22_18-05-09_song.webm', '/home/me/Videos/Song live at the bridge.webm');
  });

  it('saveShortAs: cancelled copies nothing; an unknown clip is an error', async () => {
    const d = deps({ saveDialog: async () => undefined });
    expect(await call(d, BRIDGE_CHANNELS.saveShortAs, 4)).toEqual({ ok: true, value: { saved: false } });
    expect(d.copyFile).not.toHaveBeenCalled();
    expect(await call(d, BRIDGE_CHANNELS.saveShortAs, 5)).toMatchObject({ ok: false, error: expect.stringContaining('not in the library') });
  });

  it('launch at login: read and set where supported; refused (and reported off) on Linux', async () => {
    const d = deps();
    expect(await call(d, BRIDGE_CHANNELS.getLaunchAtLogin)).toEqual({ ok: true, value: { supported: true, enabled: true } });
    await call(d, BRIDGE_CHANNELS.setLaunchAtLogin, false);
    expect(d.loginItems.set).toHaveBeenCalledWith(false);
    const linux = deps({ loginItems: { supported: false, get: () => true, set: vi.fn() } });
    expect(await call(linux, BRIDGE_CHANNELS.getLaunchAtLogin)).toEqual({ ok: true, value: { supported: false, enabled: false } });
    expect(await call(linux, BRIDGE_CHANNELS.setLaunchAtLogin, true)).toMatchObject({ ok: false });
    expect(await call(d, BRIDGE_CHANNELS.setLaunchAtLogin, 'yes')).toMatchObject({ ok: false });
  });

  it('file names from titles are safe everywhere', () => {
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j')).toBe('a b c d e f g h i j');
    expect(safeFileName('  ..hidden.. ')).toBe('hidden');
    expect(safeFileName('')).toBe('short');
    expect(safeFileName('CON')).toBe('short');
    expect(safeFileName('x'.repeat(200))).toHaveLength(80);
  });
});
