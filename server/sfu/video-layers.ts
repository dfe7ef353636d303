import type { RtpPacket, RTCRtpCodecParameters } from 'werift';
import type { SwitchableLayer } from './layer-switch.js';
import { GopCache } from './gop-cache.js';
import { StageTrack } from './stage-track.js';
import type { TrackSource } from './track.js';
import { readVp8Descriptor, vp8KeyframeSize } from './video-frames.js';

/** A layer that sent nothing for this long is off (the encoder dropped it, or the publisher is away). */
const INACTIVE_AFTER_MS = 1500;
/** Weight of the newest measurement in the smoothed bitrate (ticks are ~250 ms apart: ~2 s memory). */
const BITRATE_SMOOTHING = 0.15;

/** What is measured of one layer: what choosing a layer needs (and what crosses to forwarding threads). */
export interface LayerState {
  readonly id: string;
  /** Smoothed bitrate, bits per second (0 until measured). */
  readonly bitrate: number;
  /** From the layer's last VP8 keyframe (undefined for H.264 or before the first keyframe). */
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly active: boolean;
}

/** A layer a viewer can be switched to: its packets and its measurements. */
export interface ChoosableLayer extends SwitchableLayer, LayerState {}

/**
 * The layers as a viewer's LayerSelector sees them, lowest quality first: the node's own
 * VideoLayers, or their mirror in a forwarding thread (server/sfu/forwarding/remote-layers.ts).
 */
export interface LayerSet {
  readonly codec: RTCRtpCodecParameters;
  readonly all: readonly ChoosableLayer[];
  readonly active: ChoosableLayer[];
  readonly top: ChoosableLayer | undefined;
}

/** What the node knows of one layer; the StageTrack keeps its stream continuous across reconnects. */
export interface VideoLayer extends ChoosableLayer {
  readonly track: StageTrack;
}

class MeasuredLayer implements VideoLayer {
  bitrate = 0;
  width: number | undefined;
  height: number | undefined;
  active = false;
  bytes = 0;
  lastPacketAt = 0;
  readonly gop: GopCache;
  readonly #unsubscribe: () => void;

  constructor(
    readonly id: string,
    readonly track: StageTrack,
    vp8: boolean,
  ) {
    this.gop = new GopCache(track.codec.mimeType);
    this.#unsubscribe = track.onPacket((packet) => this.#measure(packet, vp8));
  }

  close(): void {
    this.#unsubscribe();
    this.track.close();
  }

  #measure(packet: RtpPacket, vp8: boolean): void {
    const now = Date.now();
    this.bytes += packet.payload.length;
    this.lastPacketAt = now;
    const keyframe = this.gop.push(packet, now);
    // Sizes are read from VP8 keyframes only (the cache has just told keyframes apart).
    if (!vp8 || !keyframe) return;
    const descriptor = readVp8Descriptor(packet.payload);
    const size = descriptor && vp8KeyframeSize(packet.payload, descriptor);
    if (size) {
      this.width = size.width;
      this.height = size.height;
    }
  }
}

/**
 * The set's video as the publisher sends it: one layer, or several simulcast layers (RFC 8853,
 * told apart by RTP stream id) of the same camera at different sizes. Each layer is a StageTrack,
 * so it outlives a reconnecting publisher like the audio does. Layers are measured (bitrate, size,
 * whether they flow) on the stage's tick and kept in order of quality, lowest first.
 */
export class VideoLayers implements LayerSet {
  readonly codec: RTCRtpCodecParameters;
  readonly #layers = new Map<string, MeasuredLayer>();
  readonly #vp8: boolean;
  readonly #detachListeners = new Set<(layerIds: string[]) => void>();
  #ordered: MeasuredLayer[] = [];
  #lastTick = Date.now();

  constructor(codec: RTCRtpCodecParameters) {
    this.codec = codec;
    this.#vp8 = codec.mimeType.toLowerCase() === 'video/vp8';
  }

  /** Whether `source` can feed these layers (same codec: viewers negotiated it). */
  accepts(source: TrackSource): boolean {
    return source.kind === 'video' && source.codec.mimeType.toLowerCase() === this.codec.mimeType.toLowerCase();
  }

  /** Feeds layer `id` (a rid, or '' without simulcast) from a publisher's track. */
  attach(id: string, source: TrackSource): void {
    let layer = this.#layers.get(id);
    if (!layer) {
      layer = new MeasuredLayer(id, new StageTrack('video', this.codec), this.#vp8);
      this.#layers.set(id, layer);
      this.#ordered.push(layer);
    }
    layer.track.attach(source);
  }

  /** The publisher is gone (or came back with fewer layers): these layers go quiet. */
  detach(keep: ReadonlySet<string> = new Set()): void {
    const detached: string[] = [];
    for (const [id, layer] of this.#layers) {
      if (keep.has(id)) continue;
      layer.track.detach();
      // A returning publisher's encoder starts afresh: frames from before cannot lead into its stream.
      layer.gop.clear();
      detached.push(id);
    }
    for (const listener of this.#detachListeners) listener(detached);
  }

  /** Told of each detach(), at once: forwarding threads drop their copies of the cached groups too. */
  onDetach(listener: (layerIds: string[]) => void): () => void {
    this.#detachListeners.add(listener);
    return () => this.#detachListeners.delete(listener);
  }

  /** Every layer, lowest quality first (active or not). */
  get all(): readonly VideoLayer[] {
    return this.#ordered;
  }

  /** The layers that flow now, lowest quality first. */
  get active(): VideoLayer[] {
    return this.#ordered.filter((layer) => layer.active);
  }

  /** The best layer that flows now (topLayer). */
  get top(): VideoLayer | undefined {
    return topLayer(this.#ordered);
  }

  /** Updates bitrates and activity, and the order; called every few hundred ms. */
  tick(now: number): void {
    const seconds = Math.max(0.05, (now - this.#lastTick) / 1000);
    this.#lastTick = now;
    for (const layer of this.#ordered) {
      const rate = (layer.bytes * 8) / seconds;
      layer.bytes = 0;
      layer.bitrate = layer.bitrate === 0 ? rate : layer.bitrate + BITRATE_SMOOTHING * (rate - layer.bitrate);
      layer.active = now - layer.lastPacketAt < INACTIVE_AFTER_MS && layer.track.attached;
    }
    this.#ordered.sort(byQuality);
  }

  close(): void {
    for (const layer of this.#layers.values()) layer.close();
    this.#layers.clear();
    this.#detachListeners.clear();
    this.#ordered = [];
  }
}

/**
 * The best layer that flows now (or, before any has been measured, the best known), from layers
 * ordered lowest first. One rule for the node's VideoLayers and their mirror in a forwarding
 * thread, so a viewer starts on the same layer wherever it runs.
 */
export function topLayer<L extends LayerState>(ordered: readonly L[]): L | undefined {
  for (let i = ordered.length - 1; i >= 0; i--) if (ordered[i]!.active) return ordered[i];
  return ordered[ordered.length - 1];
}

/** By picture size when both are known (what the encoder made), else by bitrate. */
function byQuality(a: VideoLayer, b: VideoLayer): number {
  if (a.width && a.height && b.width && b.height) {
    const pixels = a.width * a.height - b.width * b.height;
    if (pixels !== 0) return pixels;
  }
  return a.bitrate - b.bitrate;
}
