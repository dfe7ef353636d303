import type { RtpPacket, RTCRtpCodecParameters } from 'werift';
import type { GopCache } from './gop-cache.js';
import type { TrackSource } from './track.js';
import { isKeyframeStart, readVp8Descriptor, rewriteVp8 } from './video-frames.js';
import { clonePacket } from './werift-fast-path/packet-copy.js';

/** Packets reordered from before a switch arrive within this many packets of it. */
const LATE_PACKET_WINDOW = 1000;

/** One simulcast layer as a switch sees it: a name and its packets. */
export interface SwitchableLayer {
  readonly id: string;
  readonly track: TrackSource;
  /** The layer's packets since its last keyframe, for viewers that connect mid-group. */
  readonly gop?: GopCache;
}

/**
 * One continuous video stream cut from whichever simulcast layer is chosen: what one viewer (or
 * the recorder) receives. A switch waits for the new layer's next keyframe — the only point a
 * decoder can pick a stream up — and asks for one; until then the old layer keeps flowing, so the
 * picture never stops. From the switch on, the new layer's packets are renumbered to follow the
 * old ones (sequence numbers, timestamps and VP8 picture ids run on), as mediasoup's simulcast
 * consumer does, so the player sees one stream whose resolution changes at a keyframe.
 *
 * Until the first switch packets pass through untouched (one layer, or no simulcast: no cost).
 */
export class LayerSwitch implements TrackSource {
  readonly kind = 'video' as const;
  readonly codec: RTCRtpCodecParameters;
  readonly #listeners = new Set<(packet: RtpPacket) => void>();
  readonly #vp8: boolean;
  #current: SwitchableLayer | undefined;
  #currentUnsubscribe: (() => void) | undefined;
  #pending: SwitchableLayer | undefined;
  #pendingUnsubscribe: (() => void) | undefined;
  #pendingAskedAt = 0;
  /** Packets pass untouched until the first switch. */
  #identity = true;
  #ssrc = 0;
  #seqOffset = 0;
  #timestampOffset = 0;
  #pictureIdOffset = 0;
  #tl0Offset = 0;
  /** The current layer's (input) sequence number at the switch: anything older is dropped… */
  #switchSequenceNumber = 0;
  /** …until the layer has moved well past it (a 16-bit distance cannot tell "late" from "much later" for ever). */
  #guardLatePackets = false;
  /** The last packet handed on, and when; its numbering is where a switch continues from. */
  #last: RtpPacket | undefined;
  #lastAt = 0;
  #closed = false;

  /** Layers a viewer may start on instead of the initial one, best first (see catchUp()). */
  readonly #startingLayers: () => readonly SwitchableLayer[];

  constructor(codec: RTCRtpCodecParameters, initial?: SwitchableLayer, startingLayers: () => readonly SwitchableLayer[] = () => []) {
    this.codec = codec;
    this.#vp8 = codec.mimeType.toLowerCase() === 'video/vp8';
    this.#startingLayers = startingLayers;
    if (initial) this.switchTo(initial);
  }

  /** The layer whose packets are being sent. */
  get layer(): string | undefined {
    return this.#current?.id;
  }

  /** The layer being switched to, waiting for its keyframe. */
  get pendingLayer(): string | undefined {
    return this.#pending?.id;
  }

  /** Moves to `layer` at its next keyframe (at once when nothing was sent yet). */
  switchTo(layer: SwitchableLayer): void {
    if (this.#closed) return;
    if (layer === this.#current) {
      this.#cancelPending();
      return;
    }
    if (layer === this.#pending) return;
    if (!this.#current || !this.#last) {
      // Nothing sent yet: the player needs a keyframe anyway, so start here directly.
      this.#cancelPending();
      this.#setCurrent(layer);
      return;
    }
    this.#cancelPending();
    this.#pending = layer;
    this.#pendingUnsubscribe = layer.track.onPacket((packet) => this.#onLayerPacket(layer, packet));
    this.#askPendingForKeyframe(Date.now());
  }

  /**
   * Asks again for the pending layer's keyframe if it is slow to come: the request was lost, or
   * the encoder ignored it (Chromium drops keyframe requests within 300 ms of the last one).
   */
  nudge(now: number, afterMs = 400): void {
    if (this.#pending && now - this.#pendingAskedAt >= afterMs) this.#askPendingForKeyframe(now);
  }

  onPacket(listener: (packet: RtpPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  requestKeyframe(): void {
    (this.#pending ?? this.#current)?.track.requestKeyframe();
  }

  /**
   * For a viewer whose connection just came up (nothing has been sent to it yet): a layer's group
   * of pictures so far (GopCache), to start from at once; only while packets still pass untouched
   * (no switch yet), so the cached packets number on exactly into the live ones. The current
   * layer's if it has one; else the best starting layer that has one — the current one's keyframe
   * may not be in yet, or a busy encoder dropped that layer — and the stream starts there (the
   * viewer's selector moves it up at that layer's next keyframe).
   */
  catchUp(now = Date.now()): RtpPacket[] | undefined {
    const current = this.#current;
    if (!this.#identity || !current) return undefined;
    const own = current.gop?.catchUp(now);
    if (own) return own;
    for (const layer of this.#startingLayers()) {
      if (layer === current) continue;
      const frames = layer.gop?.catchUp(now);
      if (!frames) continue;
      this.#cancelPending();
      this.#setCurrent(layer);
      // What the viewer is about to get: a later switch numbers on from it.
      this.#last = frames[frames.length - 1];
      this.#lastAt = now;
      return frames;
    }
    return undefined;
  }

  close(): void {
    this.#closed = true;
    this.#cancelPending();
    this.#currentUnsubscribe?.();
    this.#currentUnsubscribe = undefined;
    this.#current = undefined;
    this.#listeners.clear();
  }

  #setCurrent(layer: SwitchableLayer): void {
    this.#currentUnsubscribe?.();
    this.#current = layer;
    this.#currentUnsubscribe = layer.track.onPacket((packet) => this.#onLayerPacket(layer, packet));
  }

  /** Each layer has one subscription; what it does depends on the layer's role now. */
  #onLayerPacket(layer: SwitchableLayer, packet: RtpPacket): void {
    if (layer === this.#current) this.#onCurrentPacket(packet);
    else if (layer === this.#pending) this.#onPendingPacket(packet);
  }

  #cancelPending(): void {
    this.#pendingUnsubscribe?.();
    this.#pendingUnsubscribe = undefined;
    this.#pending = undefined;
  }

  #askPendingForKeyframe(now: number): void {
    this.#pendingAskedAt = now;
    this.#pending?.track.requestKeyframe();
  }

  #onCurrentPacket(packet: RtpPacket): void {
    if (this.#identity) {
      this.#emit(packet);
      return;
    }
    if (this.#guardLatePackets) {
      // A late packet from before the switch would be numbered before the keyframe: drop it.
      const distance = (packet.header.sequenceNumber - this.#switchSequenceNumber) & 0xffff;
      if (distance & 0x8000) return;
      if (distance > LATE_PACKET_WINDOW) this.#guardLatePackets = false;
    }
    this.#emit(this.#map(packet));
  }

  #onPendingPacket(packet: RtpPacket): void {
    const pending = this.#pending;
    if (!pending || !isKeyframeStart(this.codec.mimeType, packet.payload)) return;
    this.#continueWith(packet);
    // The pending layer's subscription becomes the current one (subscribing again from inside
    // the layer's own delivery loop would hand this packet over twice).
    this.#currentUnsubscribe?.();
    this.#current = pending;
    this.#currentUnsubscribe = this.#pendingUnsubscribe;
    this.#pending = undefined;
    this.#pendingUnsubscribe = undefined;
    this.#emit(this.#map(packet));
  }

  /** Offsets that make `first` (a keyframe's first packet) follow the last packet sent. */
  #continueWith(first: RtpPacket): void {
    const last = this.#last!;
    const header = first.header;
    if (this.#identity) this.#ssrc = last.header.ssrc;
    this.#identity = false;
    this.#switchSequenceNumber = header.sequenceNumber;
    this.#guardLatePackets = true;
    this.#seqOffset = (last.header.sequenceNumber + 1 - header.sequenceNumber) & 0xffff;
    // Layers are cut from the same camera frames; the time since the last packet is the best
    // guess of how far this keyframe's clock is ahead of the last one sent.
    const ticks = Math.max(1, Math.round(((Date.now() - this.#lastAt) * this.codec.clockRate) / 1000));
    this.#timestampOffset = (last.header.timestamp + ticks - header.timestamp) >>> 0;
    this.#pictureIdOffset = 0;
    this.#tl0Offset = 0;
    if (this.#vp8) {
      const before = readVp8Descriptor(last.payload);
      const now = readVp8Descriptor(first.payload);
      if (before?.pictureId !== undefined && now?.pictureId !== undefined) {
        const modulus = now.pictureIdBits === 15 ? 0x8000 : 0x80;
        this.#pictureIdOffset = (before.pictureId + 1 - now.pictureId + modulus * 2) % modulus;
      }
      if (before?.tl0PicIdx !== undefined && now?.tl0PicIdx !== undefined) {
        this.#tl0Offset = (before.tl0PicIdx + 1 - now.tl0PicIdx + 512) % 256;
      }
    }
  }

  /**
   * A renumbered copy: the packet is shared with other sinks and must not be changed. clonePacket
   * gives a header of its own (csrc, extensions and payload stay shared and are not written), as
   * the header spread did, without the spread's cost on every packet after a switch.
   */
  #map(packet: RtpPacket): RtpPacket {
    const copy = clonePacket(packet);
    const header = copy.header;
    header.ssrc = this.#ssrc;
    header.sequenceNumber = (header.sequenceNumber + this.#seqOffset) & 0xffff;
    header.timestamp = (header.timestamp + this.#timestampOffset) >>> 0;
    const payload = packet.payload;
    if (this.#vp8 && (this.#pictureIdOffset !== 0 || this.#tl0Offset !== 0)) {
      const descriptor = readVp8Descriptor(payload);
      if (descriptor && (descriptor.pictureId !== undefined || descriptor.tl0PicIdx !== undefined)) {
        const modulus = descriptor.pictureIdBits === 15 ? 0x8000 : 0x80;
        const pictureId = ((descriptor.pictureId ?? 0) + this.#pictureIdOffset) % modulus;
        const tl0 = ((descriptor.tl0PicIdx ?? 0) + this.#tl0Offset) % 256;
        copy.payload = rewriteVp8(payload, descriptor, pictureId, tl0);
      }
    }
    return copy;
  }

  #emit(packet: RtpPacket): void {
    this.#last = packet;
    this.#lastAt = Date.now();
    for (const listener of this.#listeners) listener(packet);
  }
}
