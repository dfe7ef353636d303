import type { RtpPacket, RTCRtpCodecParameters } from 'werift';
import type { MediaKind, TrackSource } from './track.js';

/**
 * One of a set's tracks as viewers and the recorder see it: a TrackSource that outlives the
 * publisher's peer connection. When the busker's connection drops and comes back as a new WHIP
 * session, the new session's track is attached here and its packets carry on the same stream —
 * one SSRC, sequence numbers following on, timestamps advanced by the time the set was away — so
 * every viewer's decoder simply waits for the next keyframe instead of needing a new session
 * (what mediasoup does when a consumer switches producers).
 *
 * It is the only subscriber of the publisher track it is attached to, so it rewrites the (per
 * packet, freshly made) packet's header in place before handing it on.
 */
export class StageTrack implements TrackSource {
  readonly kind: MediaKind;
  readonly codec: RTCRtpCodecParameters;
  readonly #listeners = new Set<(packet: RtpPacket) => void>();
  #input: TrackSource | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The first input's SSRC, kept for the whole set. */
  #ssrc: number | undefined;
  /** The last packet handed on (output numbering), and when; plain fields: this runs per packet. */
  #sentAny = false;
  #lastSequenceNumber = 0;
  #lastTimestamp = 0;
  #lastAt = 0;
  #seqOffset = 0;
  #timestampOffset = 0;
  /** The next packet is the first from a newly attached input: offsets are computed from it. */
  #fresh = true;

  constructor(kind: MediaKind, codec: RTCRtpCodecParameters) {
    this.kind = kind;
    this.codec = codec;
  }

  /** Whether `source` can continue this track (same codec; the payload type may differ). */
  accepts(source: TrackSource): boolean {
    return source.kind === this.kind && sameCodec(source.codec, this.codec);
  }

  /** Feeds the track from a (new) publisher track; the previous one, if any, is let go. */
  attach(source: TrackSource): void {
    this.detach();
    this.#input = source;
    this.#fresh = true;
    this.#unsubscribe = source.onPacket((packet) => this.#forward(packet));
    // Viewers' decoders need a keyframe to pick up the new stream.
    source.requestKeyframe();
  }

  /** The publisher is gone: the track goes quiet until the next attach(). */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#input = undefined;
  }

  get attached(): boolean {
    return this.#input !== undefined;
  }

  onPacket(listener: (packet: RtpPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  requestKeyframe(): void {
    this.#input?.requestKeyframe();
  }

  close(): void {
    this.detach();
    this.#listeners.clear();
  }

  #forward(packet: RtpPacket): void {
    const header = packet.header;
    if (this.#fresh) {
      this.#fresh = false;
      this.#ssrc ??= header.ssrc;
      if (this.#sentAny) {
        // Follow on from the last packet sent, with the time away added to the clock, so players
        // see a pause rather than a jump back or a burst of late frames.
        const awayTicks = Math.max(1, Math.round(((Date.now() - this.#lastAt) * this.codec.clockRate) / 1000));
        this.#seqOffset = (this.#lastSequenceNumber + 1 - header.sequenceNumber) & 0xffff;
        this.#timestampOffset = (this.#lastTimestamp + awayTicks - header.timestamp) >>> 0;
      }
    }
    header.ssrc = this.#ssrc ?? header.ssrc;
    header.sequenceNumber = (header.sequenceNumber + this.#seqOffset) & 0xffff;
    header.timestamp = (header.timestamp + this.#timestampOffset) >>> 0;
    this.#sentAny = true;
    this.#lastSequenceNumber = header.sequenceNumber;
    this.#lastTimestamp = header.timestamp;
    this.#lastAt = Date.now();
    for (const listener of this.#listeners) listener(packet);
  }
}

function sameCodec(a: RTCRtpCodecParameters, b: RTCRtpCodecParameters): boolean {
  return a.mimeType.toLowerCase() === b.mimeType.toLowerCase() && a.clockRate === b.clockRate;
}
