import type { IpcRegistrar } from './ipc.js';
import { registerIpc } from './ipc.js';
import { desktopApi, type DesktopApiDeps } from './desktop-api.js';
import { NodeClient, type HostProcess } from './node-client.js';
import { originOf } from './origin.js';
import { PermissionPolicy, type MediaKind } from './permissions.js';
import type { ReadyMessage } from './protocol.js';
import { QuitFlow } from './quit-flow.js';
import { trayView, type TrayAction, type TrayView } from './tray-model.js';

/** The studio window, as the app drives it (a BrowserWindow fits). */
export interface StudioWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  loadURL(url: string): Promise<void>;
}

/** Everything the app needs from Electron and the system, injected by main.ts (and by tests). */
export interface DesktopAppDeps {
  version: string;
  /**
   * Starts the node host (a utility process). `port` is given when the node is restarted after a
   * crash, so the studio (and viewers' links) keep their address.
   */
  startNodeHost: (port?: number) => HostProcess;
  ipc: IpcRegistrar;
  /** Builds the studio window (main/windows.ts) with the remembered bounds. */
  createWindow: () => StudioWindow;
  /** Shows the tray's state (absent where the system has no tray). */
  showTray?: (view: TrayView) => void;
  /** "You are live. End the set and quit?" — true to go ahead. */
  confirmQuit: () => Promise<boolean>;
  /** "End the set now?" (from the tray) — true to go ahead. */
  confirmEndSet: () => Promise<boolean>;
  /** macOS: the system's camera/microphone prompt. */
  askSystemMedia?: (kind: MediaKind) => Promise<boolean>;
  showError: (title: string, message: string) => void;
  /** app.exit(code): leaves without another before-quit. */
  exit: (code: number) => void;
  /** What the bridge needs besides the node (dialogs, files, login items). */
  desktop: Omit<DesktopApiDeps, 'appVersion' | 'recordingsDir' | 'clipFile'>;
  log: (message: string) => void;
  /** Longest wait for the node to finalise and close on quit, ms. */
  quitTimeoutMs?: number;
  /** Restarts allowed after the node dies on its own, within `restartWindowMs` (3 in 5 min). */
  maxRestarts?: number;
  restartWindowMs?: number;
  now?: () => number;
}

/**
 * The desktop app's services, put together (after VS Code's CodeApplication): the node client,
 * permission policy, quit flow and tray model, then one `registerIpc()`. Nothing here imports
 * Electron; main.ts hands in the real objects.
 */
export class DesktopApp {
  readonly permissions: PermissionPolicy;
  readonly quit: QuitFlow;
  readonly #deps: DesktopAppDeps;
  #ready: ReadyMessage | undefined;
  #origin: string | undefined;
  #window: StudioWindow | undefined;
  #node: NodeClient;
  #restarts: number[] = [];
  /** A node was up once: a later death is a crash worth a restart, not a failed start. */
  #everReady = false;

  constructor(deps: DesktopAppDeps) {
    this.#deps = deps;
    this.#node = this.#connect(deps.startNodeHost());
    this.permissions = new PermissionPolicy({ origin: () => this.#origin, askSystem: deps.askSystemMedia });
    this.quit = new QuitFlow({
      isLive: () => this.node.state.live,
      confirm: deps.confirmQuit,
      stopNode: () => this.node.shutdown(deps.quitTimeoutMs ?? 20_000),
      exit: () => deps.exit(0),
      timeoutMs: (deps.quitTimeoutMs ?? 20_000) + 2_000,
      onPhase: () => this.#updateTray(),
      log: deps.log,
    });
    registerIpc(
      deps.ipc,
      desktopApi({
        ...deps.desktop,
        appVersion: deps.version,
        recordingsDir: () => this.#ready?.recordingsDir,
        clipFile: (clipId) => this.node.clipFile(clipId),
      }),
      () => this.#origin,
      deps.log,
    );
    this.#updateTray();
  }

  /** The node host now running (a new one after a restart). */
  get node(): NodeClient {
    return this.#node;
  }

  #connect(host: HostProcess): NodeClient {
    const node = new NodeClient(host, this.#deps.log);
    node.onState(() => this.#updateTray());
    node.onExit((code, expected) => {
      if (expected || this.quit.phase !== 'running' || node !== this.#node || !this.#everReady) return;
      void this.#restart(code);
    });
    return node;
  }

  /**
   * The node died on its own (the window did not: that is why it has its own process). Start a
   * new one on the same port and reload the studio, so the busker can go live again at once; the
   * start-up repair finishes the interrupted recording. After too many crashes, say so and quit.
   */
  async #restart(code: number): Promise<void> {
    const deps = this.#deps;
    const now = (deps.now ?? Date.now)();
    this.#restarts = this.#restarts.filter((at) => now - at < (deps.restartWindowMs ?? 5 * 60_000));
    if (this.#restarts.length >= (deps.maxRestarts ?? 3)) {
      deps.log(`the node stopped unexpectedly again (code ${code}); giving up`);
      deps.showError('Curbcast stopped', `The local node keeps stopping (code ${code}). Curbcast will close; the log is in the data folder's logs/ folder.`);
      deps.exit(1);
      return;
    }
    this.#restarts.push(now);
    deps.log(`the node stopped unexpectedly (code ${code}); starting it again`);
    const port = this.#ready ? Number(new URL(this.#ready.localUrl).port) || undefined : undefined;
    this.#ready = undefined;
    this.#node = this.#connect(deps.startNodeHost(port));
    this.#updateTray();
    let ready: ReadyMessage;
    try {
      ready = await this.#node.ready;
    } catch (error) {
      // Its own exit (if any) comes through onExit and counts as another crash.
      deps.log(`the restarted node did not come up: ${(error as Error).message}`);
      return;
    }
    this.#ready = ready;
    this.#origin = originOf(ready.localUrl);
    this.#updateTray();
    const window = this.window;
    if (window) await window.loadURL(ready.studioUrl);
  }

  /** The node's origin (http://localhost:PORT) once it is ready: the window's only place. */
  get origin(): string | undefined {
    return this.#origin;
  }

  get ready(): ReadyMessage | undefined {
    return this.#ready;
  }

  /** Waits for the node, then opens the studio on it. */
  async start(): Promise<ReadyMessage> {
    let ready: ReadyMessage;
    try {
      ready = await this.node.ready;
    } catch (error) {
      this.#deps.showError('Curbcast could not start', (error as Error).message);
      this.#deps.exit(1);
      throw error;
    }
    this.#ready = ready;
    this.#everReady = true;
    this.#origin = originOf(ready.localUrl);
    this.#updateTray();
    await this.openStudio();
    return ready;
  }

  /** Shows the studio (opening it again if it was closed). */
  async openStudio(): Promise<void> {
    if (!this.#ready) return;
    const existing = this.#window && !this.#window.isDestroyed() ? this.#window : undefined;
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = this.#deps.createWindow();
    this.#window = window;
    await window.loadURL(this.#ready.studioUrl);
  }

  /** The studio window, if open (single-instance hand-off focuses it). */
  get window(): StudioWindow | undefined {
    return this.#window && !this.#window.isDestroyed() ? this.#window : undefined;
  }

  async trayAction(action: TrayAction): Promise<void> {
    switch (action) {
      case 'open-studio':
        await this.openStudio();
        return;
      case 'end-set':
        if (this.node.state.live && (await this.#deps.confirmEndSet())) this.node.endSet();
        return;
      case 'quit':
        await this.quit.request();
        return;
    }
  }

  trayView(): TrayView {
    return trayView({ ...this.node.state, phase: this.#phase() });
  }

  #phase(): 'starting' | 'running' | 'stopping' {
    if (this.quit.phase === 'stopping' || this.quit.phase === 'done') return 'stopping';
    return this.#ready ? 'running' : 'starting';
  }

  #updateTray(): void {
    this.#deps.showTray?.(this.trayView());
  }
}
