import { extname, join } from 'node:path';
import { z } from 'zod';
import { BRIDGE_CHANNELS, type LaunchAtLogin, type SaveResult } from '../common/bridge.js';
import { handler, type BridgeHandler } from './ipc.js';

/** What the bridge's methods need, injected (main.ts passes Electron's shell, dialog, app). */
export interface DesktopApiDeps {
  appVersion: string;
  /** `<data>/recordings`, once the node is ready. */
  recordingsDir: () => string | undefined;
  /** Makes a folder (and its parents). */
  ensureDir: (path: string) => Promise<void>;
  /** shell.openPath: '' on success, else the system's error. */
  openFolder: (path: string) => Promise<string>;
  /** Where a clip's file is, from the node's library. */
  clipFile: (clipId: number) => Promise<{ path: string; title: string } | null>;
  /** The native save dialog; undefined when cancelled. */
  saveDialog: (defaultPath: string, extension: string) => Promise<string | undefined>;
  copyFile: (from: string, to: string) => Promise<void>;
  /** app.getPath('downloads'): where the dialog opens. */
  downloadsDir: () => string;
  loginItems: {
    /** app.setLoginItemSettings works on macOS and Windows only. */
    supported: boolean;
    get: () => boolean;
    set: (enabled: boolean) => void;
  };
}

const none = z.tuple([]);

/** The bridge's methods (common/bridge.ts), as handlers for registerIpc. */
export function desktopApi(deps: DesktopApiDeps): BridgeHandler[] {
  const launchAtLogin = (): LaunchAtLogin => ({
    supported: deps.loginItems.supported,
    enabled: deps.loginItems.supported && deps.loginItems.get(),
  });
  return [
    handler(BRIDGE_CHANNELS.appVersion, none, async () => deps.appVersion),
    handler(BRIDGE_CHANNELS.openRecordingsFolder, none, async () => {
      const folder = deps.recordingsDir();
      if (!folder) throw new Error('The node is still starting.');
      await deps.ensureDir(folder);
      const problem = await deps.openFolder(folder);
      if (problem) throw new Error(`Could not open ${folder}: ${problem}`);
    }),
    handler(BRIDGE_CHANNELS.saveShortAs, z.tuple([z.number().int().positive()]), async (clipId): Promise<SaveResult> => {
      const clip = await deps.clipFile(clipId);
      if (!clip) throw new Error('That short is not in the library any more.');
      const extension = extname(clip.path).slice(1) || 'webm';
      const target = await deps.saveDialog(join(deps.downloadsDir(), `${safeFileName(clip.title)}.${extension}`), extension);
      if (!target) return { saved: false };
      await deps.copyFile(clip.path, target);
      return { saved: true, path: target };
    }),
    handler(BRIDGE_CHANNELS.getLaunchAtLogin, none, async () => launchAtLogin()),
    handler(BRIDGE_CHANNELS.setLaunchAtLogin, z.tuple([z.boolean()]), async (enabled) => {
      if (!deps.loginItems.supported) throw new Error('Starting at login is not available on this system.');
      deps.loginItems.set(enabled);
      return launchAtLogin();
    }),
  ];
}

/** A title as a file name every system accepts: no path or reserved characters, not empty, not too long. */
export function safeFileName(title: string): string {
  const cleaned = title
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+|\.+$/g, '')
    .slice(0, 80)
    .trim();
  return cleaned && !/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(cleaned) ? cleaned : 'short';
}
