/**
 * The desktop bridge: what the studio may ask the Electron main process for, as `window.curbcast`
 * (exposed by electron/preload.ts; absent in a plain browser). Types and channel names only — no
 * Node, no DOM, no zod — so the sandboxed preload bundles it without pulling anything else in.
 * main/ipc.ts checks the caller and parses every argument before a handler runs.
 */

/** Every channel starts with `curbcast:`; main refuses anything else. */
export const BRIDGE_CHANNELS = {
  appVersion: 'curbcast:app-version',
  openRecordingsFolder: 'curbcast:open-recordings-folder',
  saveShortAs: 'curbcast:save-short-as',
  getLaunchAtLogin: 'curbcast:get-launch-at-login',
  setLaunchAtLogin: 'curbcast:set-launch-at-login',
} as const;

export type BridgeChannel = (typeof BRIDGE_CHANNELS)[keyof typeof BRIDGE_CHANNELS];

/** Every reply from main: a value, or a message a person can read. */
export type BridgeReply<T> = { ok: true; value: T } | { ok: false; error: string };

export interface LaunchAtLogin {
  /** Linux has no login-item API in Electron: the studio hides the switch. */
  supported: boolean;
  enabled: boolean;
}

export type SaveResult = { saved: true; path: string } | { saved: false };

/** `window.curbcast` — each method rejects with an Error carrying main's message. */
export interface CurbcastBridge {
  appVersion(): Promise<string>;
  /** Opens `<data>/recordings` in the system's file manager. */
  openRecordingsFolder(): Promise<void>;
  /** A native "Save as" for a clip or short's file; the file is copied where the busker chose. */
  saveShortAs(clipId: number): Promise<SaveResult>;
  getLaunchAtLogin(): Promise<LaunchAtLogin>;
  setLaunchAtLogin(enabled: boolean): Promise<LaunchAtLogin>;
}
