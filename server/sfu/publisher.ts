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
  /** Closed, for any reason; emitted once. */
  close: [reason: string];
};

/**
 * The one peer connection that sends the set. Owns its peer, timers and track sources;
 * `close()` frees all of them and is safe to call more than once.
 */
export class Publisher extends EventEmitter<PublisherEvents> {
  readonly id = randomUUID();
  readonly #pc: RTCPeerConnection;
  readonly #options: PublisherOptions;
  readonly #sources = new Map<MediaKind, PublisherTrack>();
  #expectedKinds = new Set<MediaKind>();
  readonly #lifecycle: PeerLifecycle;
  #rembTimer: NodeJS.Timeout | undefined;
  readonly #untrack = instances.track('publisher', this);
  #closed = false;

  constructor(options: PublisherOptions) {
    super();
    this.#options = options;
    this.#pc = new RTCPeerConnection(peerConfig(options.ice, publisherCodecs()));
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

  source(kind: MediaKind): TrackSource | undefined {
    return this.#sources.get(kind);
  }

  get ready(): boolean {
    return [...this.#expectedKinds].every((kind) => this.#sources.has(kind));
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
    for (const source of this.#sources.values()) source.close();
    this.#sources.clear();
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
    if (!transceiver || this.#sources.has(track.kind)) return;
    const codec = track.codec ?? transceiver.codecs[0];
    if (!codec) return;
    const source = new PublisherTrack(track, transceiver, codec, () => this.#lifecycle.activity());
    this.#sources.set(track.kind, source);
    this.#options.logger.info({ publisher: this.id, kind: track.kind, codec: codec.mimeType }, 'publisher track');
    if (this.ready) this.emit('ready');
  }

  /**
   * Tells the publisher the bitrate we want. Without it Chromium, lacking transport-cc feedback,
   * stays near its start rate; with it a 720p camera reaches ~2.5 Mbit/s (NOTES-media.md).
   */
  #sendRemb(): void {
    const video = this.#sources.get('video');
    if (!video) return;
    const { exponent, mantissa } = rembBitrate(this.#options.targetBitrate);
    const remb = new ReceiverEstimatedMaxBitrate({
      senderSsrc: 0,
      mediaSsrc: 0,
      brExp: exponent,
      brMantissa: mantissa,
      ssrcNum: 1,
      ssrcFeedbacks: [video.ssrc],
    });
    video.sendRtcp(new RtcpPayloadSpecificFeedback({ feedback: remb }));
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

/** One received track, seen by sinks as a TrackSource. */
export class PublisherTrack implements TrackSource {
  readonly kind: MediaKind;
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
  ) {
    this.kind = track.kind as MediaKind;
    const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => {
      onActivity();
      this.#deliver(packet);
    });
    this.#unsubscribe = unSubscribe;
  }

  get ssrc(): number {
    return this.track.ssrc ?? 0;
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
    if (this.track.ssrc !== undefined) void this.transceiver.receiver.sendRtcpPLI(this.track.ssrc);
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
