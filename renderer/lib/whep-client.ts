import { WHEP_LAYER_REL, type QualityPreference } from '../../common/quality.js';
import { fetchIceServers } from './ice.js';
import { MediaSession, type PeerState } from './media-session.js';

export interface PlayOptions {
  onState?: (state: PeerState) => void;
  endpoint?: string;
  /** STUN/TURN servers; by default the node's (GET /api/ice, fresh for each session). */
  iceServers?: (signal: AbortSignal) => Promise<RTCIceServer[]>;
  /** 'relay': play through TURN only (diagnostics and tests). */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/** Plays the live set over WHEP: one receive-only audio and video pair, in one MediaStream. */
export class WhepSession {
  /** Attach to a `<video>` as `srcObject`; its tracks start flowing once `start()` resolves. */
  readonly stream: MediaStream;
  readonly #session: MediaSession;

  constructor(options: PlayOptions = {}) {
    const endpoint = options.endpoint ?? '/whep';
    this.#session = new MediaSession({
      endpoint,
      onState: options.onState,
      iceServers: options.iceServers ?? ((signal) => fetchIceServers(endpoint, signal)),
      iceTransportPolicy: options.iceTransportPolicy,
      // The node is ICE-lite (server/sfu/peer-config.ts): the offer needs no candidates.
      offerBeforeGathering: true,
    });
    const video = this.#session.pc.addTransceiver('video', { direction: 'recvonly' });
    const audio = this.#session.pc.addTransceiver('audio', { direction: 'recvonly' });
    this.stream = new MediaStream([video.receiver.track, audio.receiver.track]);
  }

  get state(): PeerState {
    return this.#session.state;
  }

  /** Resolves once connected; rejects with the node's message (e.g. code 'offline' or 'full'). */
  start(): Promise<void> {
    return this.#session.start();
  }

  /**
   * Asks the node for a quality (the WHEP layer extension): 'auto' follows this viewer's link.
   * False when the node offers no layer choice or refused; the switch itself shows at the next keyframe.
   */
  async setQuality(quality: QualityPreference): Promise<boolean> {
    const url = this.#session.link(WHEP_LAYER_REL);
    if (!url || this.#session.stopped) return false;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ quality }),
        cache: 'no-store',
      });
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Leaves the set (DELETE, best effort, unless the node already ended it) and closes the peer. */
  stop(notifyNode = true): Promise<void> {
    return this.#session.stop(notifyNode);
  }
}
