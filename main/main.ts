/**
 * The Electron main process: the only file that imports Electron's values. It hands real
 * Electron objects to the small services in app.ts (and windows.ts, window-state.ts, …), which are
 * unit-tested without Electron.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  screen,
  session,
  shell,
  systemPreferences,
  Tray,
  utilityProcess,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron';
import { dataFolderArg, nodeHostArgs, withPort } from './args.js';
import { DesktopApp } from './app.js';
import { withCsp } from './csp.js';
import { navigationDecision } from './navigation.js';
import type { HostProcess } from './node-client.js';
import { originOf } from './origin.js';
import { claimSingleInstance } from './single-instance.js';
import type { TrayView } from './tray-model.js';
import { WINDOW_STATE_FILE, WindowStateStore } from './window-state.js';
import { createStudioWindow } from './windows.js';

const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(here, '..', 'electron', 'preload.cjs');
const ICONS = join(here, 'icons');
const log = (message: string) => console.error(`curbcast: ${message}`);

// `--data <folder>` moves all of the app's state there (the node's library and Chromium's profile
// alike) — before anything reads userData, the single-instance lock included.
const argv = process.argv.slice(1);
const dataFlag = dataFolderArg(argv);
if (dataFlag) app.setPath('userData', resolve(dataFlag));

// One Curbcast per data folder: a second launch focuses the first and leaves at once, before it
// could start a second node on the same library.
let desktop: DesktopApp | undefined;
if (!claimSingleInstance(
  { requestLock: () => app.requestSingleInstanceLock(), onSecondInstance: (listener) => app.on('second-instance', listener) },
  () => desktop?.window,
  () => void desktop?.openStudio(),
)) {
  app.quit();
} else {
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  const states = new WindowStateStore({
    read: () => {
      try {
        return readFileSync(join(userData, WINDOW_STATE_FILE), 'utf8');
      } catch {
        return undefined;
      }
    },
    write: (text) => writeFileSync(join(userData, WINDOW_STATE_FILE), text),
  });
  const displays = {
    workAreas: () => screen.getAllDisplays().map((d) => d.workArea),
    primaryWorkArea: () => screen.getPrimaryDisplay().workArea,
  };
  let tray: Tray | undefined;
  const focused = () => desktop?.window as BrowserWindow | undefined;

  const app_ = new DesktopApp({
    version: app.getVersion(),
    startNodeHost: (port) => forkNodeHost(withPort(nodeHostArgs(argv, userData), port)),
    ipc: ipcMain,
    createWindow: () => {
      const window = createStudioWindow(
        { BrowserWindow, origin: () => desktop?.origin, openExternal: (url) => void shell.openExternal(url) },
        states.load(displays),
        PRELOAD,
        join(ICONS, 'app.png'),
      );
      states.track(window);
      // Closing the studio is quitting (asked first while live); the node would otherwise go on unseen.
      window.on('close', (event) => {
        if (desktop?.quit.phase === 'done') return;
        event.preventDefault();
        void desktop?.quit.request();
      });
      return window;
    },
    showTray: (view) => {
      // What the tray shows, readable from the main process (the Electron e2e test reads it).
      (globalThis as { curbcastTray?: TrayView }).curbcastTray = view;
      tray ??= makeTray();
      if (tray) showTray(tray, view);
    },
    confirmQuit: () => ask(focused(), 'You are live.', 'Quitting ends the set. Its recording is saved first.', 'End set and quit'),
    confirmEndSet: () => ask(focused(), 'End the set now?', 'Viewers see that the set has ended; its recording is saved.', 'End set'),
    askSystemMedia:
      process.platform === 'darwin'
        ? async (kind) => systemPreferences.getMediaAccessStatus(kind) === 'granted' || systemPreferences.askForMediaAccess(kind)
        : undefined,
    showError: (title, message) => dialog.showErrorBox(title, message),
    exit: (code) => app.exit(code),
    desktop: {
      ensureDir: async (path) => void (await mkdir(path, { recursive: true })),
      openFolder: (path) => shell.openPath(path),
      saveDialog: async (defaultPath, extension) => {
        const options = { defaultPath, filters: [{ name: 'Video', extensions: [extension] }] };
        const window = focused();
        const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
        return result.canceled ? undefined : result.filePath;
      },
      copyFile: (from, to) => copyFile(from, to),
      downloadsDir: () => app.getPath('downloads'),
      loginItems: {
        supported: process.platform === 'darwin' || process.platform === 'win32',
        get: () => app.getLoginItemSettings().openAtLogin,
        set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
      },
    },
    log,
  });
  desktop = app_;

  const ses = session.defaultSession;
  // The app's own, stricter CSP on everything the node serves it.
  ses.webRequest.onHeadersReceived((details, callback) => {
    const origin = desktop?.origin;
    if (origin && originOf(details.url) === origin) callback({ responseHeaders: withCsp(details.responseHeaders, origin) });
    else callback({});
  });
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    void app_.permissions
      .decide({
        permission,
        requestingUrl: details.requestingUrl || contents.getURL(),
        isSubFrame: !details.isMainFrame,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
      })
      .then(callback, () => callback(false));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    app_.permissions.allows({ permission, requestingUrl: details.requestingUrl ?? requestingOrigin, isSubFrame: !details.isMainFrame }),
  );
  ses.setDevicePermissionHandler(() => false);

  // Any other web contents (there should be none) gets the same guard: no windows, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event) => {
      if (navigationDecision(event.url, desktop?.origin) !== 'allow') event.preventDefault();
    });
  });

  app.on('before-quit', (event) => {
    if (app_.quit.phase === 'done') return;
    event.preventDefault();
    void app_.quit.request();
  });
  // The window's close is a quit request (above); nothing else keeps the app.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => void app_.openStudio());

  await app_.start().catch(() => undefined);

  function makeTray(): Tray | undefined {
    try {
      const created = new Tray(trayImage('tray-offline'));
      created.on('click', () => void app_.openStudio());
      return created;
    } catch (error) {
      log(`no tray on this system: ${(error as Error).message}`);
      return undefined;
    }
  }
  function showTray(target: Tray, view: TrayView): void {
    target.setImage(trayImage(view.icon));
    target.setToolTip(view.tooltip);
    const template: MenuItemConstructorOptions[] = view.items.map((item) =>
      item.kind === 'separator'
        ? { type: 'separator' }
        : item.kind === 'status'
          ? { label: item.label, enabled: false }
          : { label: item.label, enabled: item.enabled, click: () => void app_.trayAction(item.action) },
    );
    target.setContextMenu(Menu.buildFromTemplate(template));
  }
}

/** `tray-live.png` (with its @2x beside it, picked up by nativeImage on HiDPI screens). */
function trayImage(name: string): NativeImage {
  return nativeImage.createFromPath(join(ICONS, `${name}.png`));
}

async function ask(window: BrowserWindow | undefined, message: string, detail: string, yes: string): Promise<boolean> {
  const options = { type: 'question' as const, buttons: [yes, 'Keep going'], defaultId: 1, cancelId: 1, message, detail, noLink: true };
  const result = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return result.response === 0;
}

/** The node in an Electron utility process (why: docs/desktop.md). */
function forkNodeHost(args: string[]): HostProcess {
  const child = utilityProcess.fork(join(here, 'node-host-entry.js'), args, { serviceName: 'Curbcast node', stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
    kill: () => void child.kill(),
  };
}
