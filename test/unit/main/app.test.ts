import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_CHANNELS } from '../../../common/bridge.js';
import { nodeHostArgs } from '../../../main/args.js';
import { DesktopApp, type DesktopAppDeps, type StudioWindow } from '../../../main/app.js';
import type { InvokeEvent } from '../../../main/ipc.js';
import type { TrayView } from '../../../main/tray-model.js';
import { fakeHost, READY } from './fake-host.js';

function fakeWindow(): StudioWindow & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isDestroyed: () => false,
    isMinimized: () => false,
    restore: () => void calls.push('restore'),
    show: () => void calls.push('show'),
    focus: () => void calls.push('focus'),
    loadURL: async (url) => void calls.push(`load ${url}`),
  };
}

function setup(overrides: Partial<DesktopAppDeps> = {}) {
  const node = fakeHost();
  const handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const trays: TrayView[] = [];
  const windows: ReturnType<typeof fakeWindow>[] = [];
  const deps: DesktopAppDeps = {
    version: '0.1.0',
    startNodeHost: () => node.host,
    ipc: { handle: (channel, listener) => void handlers.set(channel, listener) },
    createWindow: () => {
      const window = fakeWindow();
      windows.push(window);
      return window;
    },
    showTray: (view) => void trays.push(view),
    confirmQuit: vi.fn(async () => true),
    confirmEndSet: vi.fn(async () => true),
    showError: vi.fn(),
    exit: vi.fn(),
    desktop: {
      ensureDir: async () => undefined,
      openFolder: async () => '',
      saveDialog: async () => undefined,
      copyFile: async () => undefined,
      downloadsDir: () => '/home/me/Downloads',
      loginItems: { supported: false, get: () => false, set: () => undefined },
    },
    log: () => undefined,
    quitTimeoutMs: 2000,
    ...overrides,
  };
  const app = new DesktopApp(deps);
  const invoke = (channel: string, url: string) => handlers.get(channel)!({ senderFrame: { url, parent: null } });
  return { app, node, deps, trays, windows, invoke, lastTray: () => trays.at(-1)! };
}

describe('DesktopApp (services wired with fakes)', () => {
  it('starts: tray says starting, then opens the studio window on the node once ready', async () => {
    const { app, node, windows, lastTray } = setup();
    expect(lastTray().items[0]).toEqual({ kind: 'status', label: 'Starting…' });
    const started = app.start();
    node.reply(READY);
    await started;
    expect(app.origin).toBe('http://localhost:8788');
    expect(windows).toHaveLength(1);
    expect(windows[0]!.calls).toEqual([`load ${READY.studioUrl}`]);
    expect(lastTray().tooltip).toBe('Curbcast — Offline');
  });

  it('refuses IPC before the node is ready, serves it from the studio after', async () => {
    const { app, node, invoke } = setup();
    expect(await invoke(BRIDGE_CHANNELS.appVersion, 'http://localhost:8788/studio/')).toMatchObject({ ok: false });
    const started = app.start();
    node.reply(READY);
    await started;
    expect(await invoke(BRIDGE_CHANNELS.appVersion, 'http://localhost:8788/studio/')).toEqual({ ok: true, value: '0.1.0' });
    expect(await invoke(BRIDGE_CHANNELS.appVersion, 'http://localhost:9999/studio/')).toMatchObject({ ok: false });
  });

  it('grants the camera to the studio origin only, once known', async () => {
    const { app, node } = setup();
    expect(await app.permissions.decide({ permission: 'media', requestingUrl: 'http://localhost:8788/studio/' })).toBe(false);
    const started = app.start();
    node.reply(READY);
    await started;
    expect(await app.permissions.decide({ permission: 'media', requestingUrl: 'http://localhost:8788/studio/' })).toBe(true);
  });

  it('the tray follows the node: live with viewers; End set asks, then tells the node', async () => {
    const { app, node, deps, lastTray } = setup();
    const started = app.start();
    node.reply(READY);
    await started;
    node.reply({ type: 'state', live: true, viewers: 5 });
    expect(lastTray()).toMatchObject({ icon: 'tray-live', tooltip: 'Curbcast — Live · 5 watching' });
    await app.trayAction('end-set');
    expect(deps.confirmEndSet).toHaveBeenCalledOnce();
    expect(node.sent).toEqual([{ type: 'end-set' }]);
  });

  it('quitting while live: asks, shuts the node down (which finalises the recording), waits for stopped, exits', async () => {
    const { app, node, deps, lastTray } = setup();
    node.reply(READY);
    node.reply({ type: 'state', live: true, viewers: 2 });
    const quitting = app.trayAction('quit');
    await vi.waitFor(() => expect(node.sent).toEqual([{ type: 'shutdown' }]));
    expect(deps.confirmQuit).toHaveBeenCalledOnce();
    expect(lastTray().tooltip).toContain('Ending the set and saving');
    expect(deps.exit).not.toHaveBeenCalled();
    node.reply({ type: 'stopped' });
    await quitting;
    expect(deps.exit).toHaveBeenCalledWith(0);
    node.exit(0);
    expect(deps.showError).not.toHaveBeenCalled();
  });

  it('quitting while live, answered no: nothing is sent, the set goes on', async () => {
    const { app, node, deps } = setup({ confirmQuit: vi.fn(async () => false) });
    node.reply(READY);
    node.reply({ type: 'state', live: true, viewers: 2 });
    await app.quit.request();
    expect(node.sent).toEqual([]);
    expect(deps.exit).not.toHaveBeenCalled();
  });

  it('a second Open studio focuses the same window', async () => {
    const { app, node, windows } = setup();
    const started = app.start();
    node.reply(READY);
    await started;
    await app.trayAction('open-studio');
    expect(windows).toHaveLength(1);
    expect(windows[0]!.calls.slice(1)).toEqual(['show', 'focus']);
  });

  it('the node dying on its own is restarted on the same port, and the studio reloads on it', async () => {
    const hosts = [fakeHost(), fakeHost()];
    const ports: Array<number | undefined> = [];
    const { app, windows, deps, lastTray } = setup({
      startNodeHost: (port) => {
        ports.push(port);
        return hosts[ports.length - 1]!.host;
      },
    });
    const started = app.start();
    hosts[0]!.reply(READY);
    await started;
    hosts[0]!.exit(134);
    expect(ports).toEqual([undefined, 8788]);
    expect(lastTray().items[0]).toEqual({ kind: 'status', label: 'Starting…' });
    hosts[1]!.reply(READY);
    await vi.waitFor(() => expect(windows[0]!.calls).toEqual([`load ${READY.studioUrl}`, `load ${READY.studioUrl}`]));
    expect(app.node).not.toBeUndefined();
    expect(lastTray().tooltip).toBe('Curbcast — Offline');
    expect(deps.exit).not.toHaveBeenCalled();
    // The quit flow talks to the new node.
    const quitting = app.quit.request();
    await vi.waitFor(() => expect(hosts[1]!.sent).toEqual([{ type: 'shutdown' }]));
    hosts[1]!.reply({ type: 'stopped' });
    await quitting;
    expect(hosts[0]!.sent).toEqual([]);
  });

  it('after too many crashes in a row it says so and ends the app', async () => {
    const hosts = Array.from({ length: 5 }, () => fakeHost());
    let n = 0;
    const { app, deps } = setup({ startNodeHost: () => hosts[n++]!.host, maxRestarts: 2, restartWindowMs: 60_000, now: () => 1000 });
    const started = app.start();
    hosts[0]!.reply(READY);
    await started;
    hosts[0]!.exit(1);
    hosts[1]!.exit(1);
    await vi.waitFor(() => expect(n).toBe(3));
    hosts[2]!.exit(1);
    expect(n).toBe(3);
    expect(deps.showError).toHaveBeenCalledWith('Curbcast stopped', expect.stringContaining('keeps stopping'));
    expect(deps.exit).toHaveBeenCalledWith(1);
  });

  it('a node that cannot start is shown, and the app exits (no restart: it would fail the same way)', async () => {
    let starts = 0;
    const node = fakeHost();
    const { app, deps } = setup({ startNodeHost: () => (starts++, node.host) });
    const started = app.start();
    node.reply({ type: 'failed', message: 'listen EACCES 0.0.0.0:80' });
    await expect(started).rejects.toThrow('EACCES');
    node.exit(1);
    expect(deps.showError).toHaveBeenCalledWith('Curbcast could not start', 'listen EACCES 0.0.0.0:80');
    expect(deps.exit).toHaveBeenCalledWith(1);
    expect(starts).toBe(1);
  });
});

describe('node host arguments from Electron command line', () => {
  it('defaults the data folder to userData and passes serve options through, ignoring Chromium switches', () => {
    expect(nodeHostArgs(['--enable-logging', '--port', '9000', '--ice-host', '127.0.0.1'], '/home/me/.config/Curbcast')).toEqual([
      '--data',
      '/home/me/.config/Curbcast',
      '--port',
      '9000',
      '--ice-host',
      '127.0.0.1',
    ]);
    expect(nodeHostArgs(['.', '--data', '/tmp/x', '--no-recording'], '/ud')).toEqual(['--data', '/tmp/x', '--no-recording']);
    expect(
      nodeHostArgs(['.', '--forwarding-threads', '2', '--thread-placement', 'even', '--ice-ports', '40000-40100', '--max-viewers', '80', '--max-viewers-per-ip', '5', '--viewer-joins-per-ip', '10'], '/ud'),
    ).toEqual(['--data', '/ud', '--ice-ports', '40000-40100', '--max-viewers', '80', '--max-viewers-per-ip', '5', '--viewer-joins-per-ip', '10', '--forwarding-threads', '2', '--thread-placement', 'even']);
  });
});

describe('dataFolderArg', () => {
  it('finds --data among Chromium switches', async () => {
    const { dataFolderArg } = await import('../../../main/args.js');
    expect(dataFolderArg(['--enable-logging', '/app', '--data', '/tmp/curbcast', '--port', '0'])).toBe('/tmp/curbcast');
    expect(dataFolderArg(['/app'])).toBeUndefined();
  });
});

describe('withPort', () => {
  it('sets --port, replacing one given', async () => {
    const { withPort } = await import('../../../main/args.js');
    expect(withPort(['--data', '/d', '--port', '0'], 8788)).toEqual(['--data', '/d', '--port', '8788']);
    expect(withPort(['--data', '/d'], undefined)).toEqual(['--data', '/d']);
  });
});
