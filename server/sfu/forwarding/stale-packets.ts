import type { TrackId } from './protocol.js';

/**
 * A video packet that waited longer than this in a forwarding thread's queue is dropped, ms. Not
 * less: on a busy 2-core laptop a thread can wait a few hundred ms for a core, and a short hitch
 * is better sent late (the player's jitter buffer absorbs it) than dropped (a keyframe is needed).
 */
export const STALE_VIDEO_MS = 400;
/** Audio waits longer: it is small, cheap to send, and what a busker's audience came for, ms. */
export const STALE_AUDIO_MS = 1000;

export interface StalePacketHooks {
  /** A video layer's packet was dropped: what was cached of it has a hole now. */
  onShed(track: TrackId): void;
  /** The first fresh packet of a video layer that lost some: its viewers' decoders need a keyframe. */
  onRecovered(track: TrackId): void;
}

/**
 * Load shedding for a forwarding thread that falls behind. The main thread posts every packet as
 * it arrives and postMessage has no backpressure, so a thread that cannot keep up would queue
 * without end: its memory and every one of its viewers' delay would grow together. A packet that
 * waited too long is worth less than sending it to every viewer costs, so it is dropped — video
 * first (a player recovers at the next keyframe, which is asked for as soon as packets are fresh
 * again), audio only when badly late.
 */
export class StalePacketFilter {
  /** Packets dropped so far, for the node's gauges. */
  readonly shed = { audio: 0, video: 0 };
  readonly #hooks: StalePacketHooks;
  /** Video layers that lost packets and have not had a fresh one since. */
  readonly #broken = new Set<TrackId>();

  constructor(hooks: StalePacketHooks) {
    this.#hooks = hooks;
  }

  /** Whether to forward a packet of `track` posted at `postedAt` (ms, wall clock), handled at `now`. */
  admit(track: TrackId, postedAt: number, now: number): boolean {
    const waited = now - postedAt;
    if (track === 'audio') {
      if (waited <= STALE_AUDIO_MS) return true;
      this.shed.audio++;
      return false;
    }
    if (waited > STALE_VIDEO_MS) {
      this.shed.video++;
      this.#broken.add(track);
      this.#hooks.onShed(track);
      return false;
    }
    if (this.#broken.delete(track)) this.#hooks.onRecovered(track);
    return true;
  }
}
