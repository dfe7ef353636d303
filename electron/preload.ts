/**
 * The studio's only door to the main process: `window.curbcast`, a few typed methods
 * (common/bridge.ts). Sandboxed and context-isolated: this runs in its own world with Electron's
 * sandboxed `require` (hence CommonJS, bundled to dist/electron/preload.cjs) and never hands
 * `ipcRenderer` itself to the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CHANNELS, type BridgeChannel, type BridgeReply, type CurbcastBridge } from '../common/bridge.js';

async function call<T>(channel: BridgeChannel, ...args: unknown[]): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as BridgeReply<T>;
  if (reply.ok) return reply.value;
  throw new Error(reply.error);
}

const bridge: CurbcastBridge = {
  appVersion: () => call(BRIDGE_CHANNELS.appVersion),
  openRecordingsFolder: () => call(BRIDGE_CHANNELS.openRecordingsFolder),
  saveShortAs: (clipId) => call(BRIDGE_CHANNELS.saveShortAs, clipId),
  getLaunchAtLogin: () => call(BRIDGE_CHANNELS.getLaunchAtLogin),
  setLaunchAtLogin: (enabled) => call(BRIDGE_CHANNELS.setLaunchAtLogin, enabled),
};

contextBridge.exposeInMainWorld('curbcast', bridge);
