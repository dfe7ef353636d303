import type { RtpPacket, RTCRtpCodecParameters } from 'werift';
import { GopCache } from '../gop-cache.js';
import type { MediaKind, TrackSource } from '../track.js';
import { topLayer, type ChoosableLayer, type LayerSet, type LayerState } from '../video-layers.js';

/**
 * In a forwarding thread: one of the set's tracks, fed with the packets the main thread posts.
 * A keyframe request goes back to the main thread, where the publisher's track is.
 */
export class RemoteTrack implements TrackSource {
  readonly #listeners = new Set<(packet: RtpPacket) => void>();

  constructor(
    readonly kind: MediaKind,
    readonly codec: RTCRtpCodecParameters,
    private readonly askKeyframe: () => void,
  ) {}

  onPacket(listener: (packet: RtpPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  requestKeyframe(): void {
    this.askKeyframe();
  }

  /** One packet from the main thread, shared by every viewer of this thread (none mutates it). */
  deliver(packet: RtpPacket): void {
    for (const listener of this.#listeners) listener(packet);
  }

  close(): void {
    this.#listeners.clear();
  }
}

class RemoteLayer implements ChoosableLayer {
  bitrate = 0;
  width: number | undefined;
  height: number | undefined;
  active = false;
  readonly gop: GopCache;

  constructor(
    readonly id: string,
    readonly track: RemoteTrack,
  ) {
    // Each thread keeps its own copy of the group, next to its viewers (the packets are here anyway).
    this.gop = new GopCache(track.codec.mimeType);
    track.onPacket((packet) => void this.gop.push(packet));
  }
}

/**
 * In a forwarding thread: the set's video layers as the main thread measured them (its
 * VideoLayers), refreshed on every layers tick, so the thread's LayerSelectors choose exactly as
 * they would on the main thread.
 */
export class RemoteLayers implements LayerSet {
  readonly #layers = new Map<string, RemoteLayer>();
  #ordered: RemoteLayer[] = [];

  constructor(
    readonly codec: RTCRtpCodecParameters,
    private readonly trackFor: (layerId: string) => RemoteTrack,
  ) {}

  /** The main thread's measurements, lowest quality first (its order is kept). */
  update(states: readonly LayerState[]): void {
    this.#ordered = states.map((state) => {
      let layer = this.#layers.get(state.id);
      if (!layer) {
        layer = new RemoteLayer(state.id, this.trackFor(state.id));
        this.#layers.set(state.id, layer);
      }
      layer.bitrate = state.bitrate;
      layer.width = state.width;
      layer.height = state.height;
      layer.active = state.active;
      return layer;
    });
  }

  get all(): readonly ChoosableLayer[] {
    return this.#ordered;
  }

  /**
   * The publisher is gone (the main thread's VideoLayers.detach): a returning publisher's encoder
   * starts afresh, so the groups cached so far cannot lead into its stream.
   */
  detach(layerIds: readonly string[]): void {
    for (const id of layerIds) this.#layers.get(id)?.gop.clear();
  }

  /** Packets of this layer were dropped here: the group of pictures cached for joiners has a hole. */
  lostPackets(layerId: string): void {
    this.#layers.get(layerId)?.gop.clear();
  }

  get active(): ChoosableLayer[] {
    return this.#ordered.filter((layer) => layer.active);
  }

  get top(): ChoosableLayer | undefined {
    return topLayer(this.#ordered);
  }
}
