import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  ReceiverEstimatedMaxBitrate,
  RtcpPayloadSpecificFeedback,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  type MediaStreamTrack,
  type RTCRtpCodecParameters,
  type RTCRtpTransceiver,
} from 'werift';
import type { Logger } from 'pino';
import { InvalidStateError } from '../errors.js';
import { negotiate, type NegotiationOptions } from './negotiate.js';
import { peerConfig, publisherCodecs, type IceSettings } from './peer-config.js';
import { PeerLifecycle } from './peer-lifecycle.js';
import { instances } from '../diagnostics/gauges.js';
import type { MediaKind, TrackSource } from './track.js';

export interface PublisherOptions {
  ice: IceSettings;
  logger: Logger;
  /** The bitrate the node asks the publisher to aim for (REMB), bits per second. */
  targetBitrate: number;
  /** Close if ICE has not connected by then, ms. */
  connectTimeoutMs: number;
  /** Close a connected publisher that sent no RTP for this long, ms. */
  silenceTimeoutMs: number;
}

/** Keyframe requests closer together than this are merged (a burst of joins asks once). */
export const KEYFRAME_REQUEST_INTERVAL_MS = 300;
const REMB_INTERVAL_MS = 500;

type PublisherEvents = {
  /** ICE and DTLS are up. */
  connected: [];
  /** Both the media we need are flowing: a video track (and audio, if offered) with a codec. */
  ready: [];
  /** A simulcast layer began to flow after the publisher was ready. */
  layer: [id: string, source: PublisherTrack];
  /** Closed, for any reason; emitted once. */
  close: [reason: string];
};

/**
 * The one peer connection that sends the set: audio, and video as one track or as simulcast
 * layers (one track per RTP stream id). Owns its peer, timers and track sources; `close()` frees
 * all of them and is safe to call more than once.
 */
export class Publisher extends EventEmitter<PublisherEvents> {
  readonly id = randomUUID();
  readonly #pc: RTCPeerConnection;
  readonly #options: PublisherOptions;
  #audio: PublisherTrack | undefined;
  /** Video by layer: the rid, or '' when the publisher sends no simulcast. */
  readonly #video = new Map<string, PublisherTrack>();
  #expectedKinds = new Set<MediaKind>();
  readonly #lifecycle: PeerLifecycle;
  #rembTimer: NodeJS.Timeout | undefined;
  readonly #untrack = instances.track('publisher', this);
  #closed = false;

  constructor(options: PublisherOptions) {
    super();
    this.#options = options;
    this.#pc = new RTCPeerConnection(peerConfig(options.ice, publisherCodecs(), 'publisher'));
    this.#pc.onTrack.subscribe((track) => this.#onTrack(track));
    this.#lifecycle = new PeerLifecycle(this.#pc, {
      connectTimeoutMs: options.connectTimeoutMs,
      silenceTimeoutMs: options.silenceTimeoutMs,
      onConnected: () => this.#onConnected(),
      onEnd: (reason) => this.close(reason),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connected(): boolean {
    return this.#lifecycle.connected;
  }

  get audio(): PublisherTrack | undefined {
    return this.#audio;
  }

  /** The video layers flowing so far, by rid ('' without simulcast). */
  get videoLayers(): ReadonlyMap<string, PublisherTrack> {
    return this.#video;
  }

  get ready(): boolean {
    return (!this.#expectedKinds.has('audio') || this.#audio !== undefined) && (!this.#expectedKinds.has('video') || this.#video.size > 0);
  }

  /** Applies the WHIP offer and returns the answer. */
  async accept(offer: string, negotiation: NegotiationOptions): Promise<string> {
    if (this.#closed) throw new InvalidStateError('publisher closed');
    const answer = await negotiate(this.#pc, offer, negotiation);
    for (const transceiver of this.#pc.getTransceivers()) {
      if (transceiver.kind === 'audio' || transceiver.kind === 'video') this.#expectedKinds.add(transceiver.kind);
    }
    this.#lifecycle.awaitConnection();
    return answer;
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#rembTimer);
    this.#audio?.close();
    for (const source of this.#video.values()) source.close();
    this.#video.clear();
    this.#lifecycle.stop((error) => this.#options.logger.warn({ error }, 'publisher close failed'));
    this.#untrack();
    this.#options.logger.info({ publisher: this.id, reason }, 'publisher closed');
    this.emit('close', reason);
    this.removeAllListeners();
  }

  #onConnected(): void {
    this.#sendRemb();
    this.#rembTimer = setInterval(() => this.#sendRemb(), REMB_INTERVAL_MS);
    this.emit('connected');
  }

  #onTrack(track: MediaStreamTrack): void {
    if (this.#closed || (track.kind !== 'audio' && track.kind !== 'video')) return;
    const transceiver = this.#pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (!transceiver) return;
    // werift announces a simulcast transceiver once, with its first layer; every layer (one
    // track per rid) is already among the receiver's tracks.
    for (const layerTrack of transceiver.receiver.tracks) this.#addTrack(layerTrack, transceiver);
  }

  #addTrack(track: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    const layer = track.kind === 'video' ? (track.rid ?? '') : '';
    if (track.kind === 'audio' ? this.#audio !== undefined : this.#video.has(layer)) return;
    const codec = track.codec ?? transceiver.codecs[0];
    if (!codec) return;
    const wasReady = this.ready && this.#expectedKinds.size > 0;
    const source = new PublisherTrack(track, transceiver, codec, () => this.#lifecycle.activity(), layer);
    if (track.kind === 'audio') this.#audio = source;
    else this.#video.set(layer, source);
    this.#options.logger.info({ publisher: this.id, kind: track.kind, layer, codec: codec.mimeType }, 'publisher track');
    if (wasReady && track.kind === 'video') this.emit('layer', layer, source);
    else if (this.ready) this.emit('ready');
  }

  /**
   * Tells the publisher the bitrate we want. Without it Chromium, lacking transport-cc feedback,
   * stays near its start rate; with it a 720p camera reaches ~2.5 Mbit/s (NOTES-media.md).
   */
  #sendRemb(): void {
    const layers = [...this.#video.values()].filter((layer) => layer.ssrc !== 0);
    const first = layers[0];
    if (!first) return;
    // Simulcast: enough for every layer (the browser caps each at its own maxBitrate).
    const target = this.#options.targetBitrate * (layers.length > 1 ? 1.3 : 1);
    const { exponent, mantissa } = rembBitrate(target);
    const remb = new ReceiverEstimatedMaxBitrate({
      senderSsrc: 0,
      mediaSsrc: 0,
      brExp: exponent,
      brMantissa: mantissa,
      ssrcNum: layers.length,
      ssrcFeedbacks: layers.map((layer) => layer.ssrc),
    });
    first.sendRtcp(new RtcpPayloadSpecificFeedback({ feedback: remb }));
  }
}

/** REMB carries a bitrate as an 18-bit mantissa and a 6-bit exponent; werift's serializer needs both. */
export function rembBitrate(bitsPerSecond: number): { exponent: number; mantissa: number } {
  let exponent = 0;
  let mantissa = Math.max(0, Math.floor(bitsPerSecond));
  while (mantissa > 0x3ffff) {
    mantissa >>= 1;
    exponent++;
  }
  return { exponent, mantissa };
}

/** One received track (or simulcast layer), seen by sinks as a TrackSource. */
export class PublisherTrack implements TrackSource {
  readonly kind: MediaKind;
  /** A simulcast layer's rid ('' for a plain track); the SSRC is learnt from its first packet. */
  #ssrc = 0;
  readonly #listeners = new Set<(packet: RtpPacket) => void>();
  readonly #unsubscribe: () => void;
  #lastKeyframeRequest = 0;
  /** Padding-only packets dropped so far: forwarded sequence numbers are shifted down by this. */
  #paddingDropped = 0;
  #pendingKeyframeRequest: NodeJS.Timeout | undefined;

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly transceiver: RTCRtpTransceiver,
    readonly codec: RTCRtpCodecParameters,
    onActivity: () => void,
    readonly layer = '',
  ) {
    this.kind = track.kind as MediaKind;
    this.#ssrc = track.ssrc ?? 0;
    const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => {
      onActivity();
      this.#ssrc = packet.header.ssrc;
      this.#deliver(packet);
    });
    this.#unsubscribe = unSubscribe;
  }

  get ssrc(): number {
    return this.#ssrc;
  }

  onPacket(listener: (packet: RtpPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  requestKeyframe(): void {
    if (this.kind !== 'video' || this.#pendingKeyframeRequest) return;
    const wait = this.#lastKeyframeRequest + KEYFRAME_REQUEST_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.#sendPli();
      return;
    }
    this.#pendingKeyframeRequest = setTimeout(() => {
      this.#pendingKeyframeRequest = undefined;
      this.#sendPli();
    }, wait);
  }

  sendRtcp(packet: RtcpPayloadSpecificFeedback): void {
    this.transceiver.receiver.dtlsTransport.sendRtcp([packet]).catch(() => undefined);
  }

  close(): void {
    clearTimeout(this.#pendingKeyframeRequest);
    this.#pendingKeyframeRequest = undefined;
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #sendPli(): void {
    this.#lastKeyframeRequest = Date.now();
    if (this.#ssrc !== 0) void this.transceiver.receiver.sendRtcpPLI(this.#ssrc);
  }

  /**
   * Once per packet, for every sink: strips the publisher's header extensions (their ids belong to
   * the publisher's negotiation, and werift's sender would copy them into every viewer's packets
   * under the viewer's different mapping), and drops padding-only packets (bandwidth probes, sent
   * on the media SSRC since we negotiate no RTX). Dropping them would leave holes in the sequence
   * numbers — which receivers and the recorder's jitter buffer take for loss, discarding frames
   * until the next keyframe — so later packets are renumbered to close the holes.
   */
  #deliver(packet: RtpPacket): void {
    if (packet.payload.length === 0) {
      this.#paddingDropped++;
      return;
    }
    if (this.#listeners.size === 0) return;
    const clean = new RtpPacket(
      new RtpHeader({
        ...packet.header,
        sequenceNumber: (packet.header.sequenceNumber - this.#paddingDropped) & 0xffff,
        extension: false,
        extensions: [],
        padding: false,
        paddingSize: 0,
      }),
      packet.payload,
    );
    for (const listener of this.#listeners) listener(clean);
  }
}
