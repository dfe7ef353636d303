import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { navigationDecision, windowOpenDecision } from './navigation.js';
import type { WindowState } from './window-state.js';
import { MIN_SIZE } from './window-state.js';

/**
 * The one place that decides how a Curbcast window is built (after VS Code's
 * defaultBrowserWindowOptions): the renderer is isolated from Node and from the preload's world,
 * sandboxed, and gets the preload as its only door.
 */
export function studioWindowOptions(bounds: WindowState, preload: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    x: bounds.x,
    y: bounds.y,
    width: bounds.width,
    height: bounds.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Curbcast',
    show: false,
    backgroundColor: '#15171c',
    autoHideMenuBar: true,
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // The camera preview and the set go on when the window is hidden behind others.
      backgroundThrottling: false,
    },
  };
}

export interface StudioWindowDeps {
  /** Electron's BrowserWindow class (injected: only main.ts imports Electron's values). */
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  /** The node's origin: the only place the window may be. */
  origin: () => string | undefined;
  /** shell.openExternal for web links. */
  openExternal: (url: string) => void;
}

/**
 * Builds the studio window and puts the navigation guard on it: it stays on the node's origin,
 * web links open in the system browser, no new windows, no <webview>.
 */
export function createStudioWindow(deps: StudioWindowDeps, bounds: WindowState, preload: string, icon?: string): BrowserWindow {
  const window = new deps.BrowserWindow(studioWindowOptions(bounds, preload, icon));
  const contents = window.webContents;
  const guard = (event: { preventDefault(): void }, url: string) => {
    const decision = navigationDecision(url, deps.origin());
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-externally') deps.openExternal(url);
  };
  contents.on('will-navigate', (event) => guard(event, event.url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event) => guard(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (windowOpenDecision(url, deps.origin()) === 'open-externally') deps.openExternal(url);
    return { action: 'deny' };
  });
  if (bounds.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  return window;
}
