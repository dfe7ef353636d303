import type { RTCPeerConnection } from 'werift';
import { SilenceWatch } from './silence-watch.js';
import { instances } from '../diagnostics/gauges.js';

export interface PeerLifecycleOptions {
  /** Close if ICE has not connected this long after the answer, ms. */
  connectTimeoutMs: number;
  /** Close a connected peer that shows no sign of life for this long, ms. */
  silenceTimeoutMs: number;
  onConnected: () => void;
  /** Asked to close the owner (timeout, silence, failed or closed connection). */
  onEnd: (reason: string) => void;
}

/**
 * The timers and state every node-side peer needs, in one place: connect timeout, silence watch,
 * and connection state. The owner (Publisher, Viewer) reports activity and calls `stop()` from
 * its own idempotent close(); this object never outlives it.
 */
export class PeerLifecycle {
  #connectTimer: NodeJS.Timeout | undefined;
  #untrackConnectTimer: (() => void) | undefined;
  #silence: SilenceWatch | undefined;
  #connected = false;
  #stopped = false;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly options: PeerLifecycleOptions,
  ) {
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#onConnected();
      if (state === 'failed' || state === 'closed') options.onEnd(`connection ${state}`);
    });
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Starts the connect timeout; call once the answer is sent. */
  awaitConnection(): void {
    if (this.#stopped || this.#connected) return;
    this.#connectTimer = setTimeout(() => {
      this.#clearConnectTimer();
      this.options.onEnd('ICE did not connect in time');
    }, this.options.connectTimeoutMs);
    this.#untrackConnectTimer = instances.track('connect-timer', this.#connectTimer);
  }

  /** A sign of life from the remote side (cheap: one increment). */
  activity(): void {
    this.#silence?.activity();
  }

  /** Frees the timers and closes the peer connection. */
  stop(onError: (error: unknown) => void): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearConnectTimer();
    this.#silence?.stop();
    this.pc.close().catch(onError);
  }

  #clearConnectTimer(): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#untrackConnectTimer?.();
    this.#untrackConnectTimer = undefined;
  }

  #onConnected(): void {
    if (this.#connected || this.#stopped) return;
    this.#connected = true;
    this.#clearConnectTimer();
    this.#silence = new SilenceWatch(this.options.silenceTimeoutMs, () => this.options.onEnd('silent'));
    this.options.onConnected();
  }
}
