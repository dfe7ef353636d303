import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { createStudioWindow, studioWindowOptions } from '../../../main/windows.js';

const bounds = { x: 10, y: 20, width: 1200, height: 800, maximized: false };

/** A BrowserWindow stand-in that records its options and the guards put on its web contents. */
function fakeBrowserWindow() {
  const contentsListeners = new Map<string, (event: { url: string; preventDefault(): void }) => void>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const created: BrowserWindowConstructorOptions[] = [];
  class FakeWindow {
    webContents = {
      on: (event: string, listener: (event: { url: string; preventDefault(): void }) => void) => void contentsListeners.set(event, listener),
      setWindowOpenHandler: (handler: typeof openHandler) => void (openHandler = handler),
    };
    maximize = vi.fn();
    once = vi.fn();
    constructor(options: BrowserWindowConstructorOptions) {
      created.push(options);
    }
  }
  const fire = (event: string, url: string) => {
    const preventDefault = vi.fn();
    contentsListeners.get(event)!({ url, preventDefault });
    return preventDefault.mock.calls.length > 0;
  };
  return { FakeWindow, created, fire, open: (url: string) => openHandler!({ url }) };
}

describe('the studio window', () => {
  it('is isolated, sandboxed, without Node, with the preload as its only door', () => {
    const web = studioWindowOptions(bounds, '/app/dist/electron/preload.cjs').webPreferences!;
    expect(web).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('guards navigation: same origin stays, web links go to the system browser, the rest is refused, no new windows', () => {
    const fake = fakeBrowserWindow();
    const openExternal = vi.fn();
    createStudioWindow(
      { BrowserWindow: fake.FakeWindow as never, origin: () => 'http://localhost:8788', openExternal },
      bounds,
      '/preload.cjs',
    );
    expect(fake.created).toHaveLength(1);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(fake.fire(event, 'http://localhost:8788/studio/'), event).toBe(false);
      expect(fake.fire(event, 'file:///etc/passwd'), event).toBe(true);
      expect(fake.fire(event, 'https://www.openstreetmap.org/'), event).toBe(true);
    }
    expect(openExternal).toHaveBeenCalledWith('https://www.openstreetmap.org/');
    expect(openExternal).not.toHaveBeenCalledWith('file:///etc/passwd');
    expect(fake.fire('will-attach-webview', 'http://localhost:8788/')).toBe(true);
    expect(fake.open('http://localhost:8788/studio/')).toEqual({ action: 'deny' });
    expect(fake.open('https://example.com/')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://example.com/');
  });
});
