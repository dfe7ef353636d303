import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  RTCPeerConnection,
  RtcpRrPacket,
  type RTCRtpSender,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import type { Logger } from 'pino';
import { BadRequestError, InvalidStateError } from '../errors.js';
import { negotiate, type NegotiationOptions } from './negotiate.js';
import { peerConfig, forwardingCodecs, type IceSettings } from './peer-config.js';
import type { LinkFeedback } from './layer-selector.js';
import { PeerLifecycle } from './peer-lifecycle.js';
import { forwardRtp } from './werift-fast-path.js';
import { instances } from '../diagnostics/gauges.js';
import type { MediaKind, TrackSource } from './track.js';

export interface ViewerOptions {
  /** The session id (handed out in the WHEP Location); a fresh UUID when not given. */
  id?: string;
  ice: IceSettings;
  logger: Logger;
  /** The publisher's tracks this viewer will receive. */
  sources: Partial<Record<MediaKind, TrackSource>>;
  /** Close if ICE has not connected by then, ms. */
  connectTimeoutMs: number;
  /** Close a connected viewer that sent no RTCP for this long, ms. */
  silenceTimeoutMs: number;
  /** What the viewer's browser reports about its link for the video (loss): layer choice. */
  onVideoFeedback?: (feedback: LinkFeedback) => void;
}

type ViewerEvents = {
  connected: [];
  close: [reason: string];
};

/**
 * One WHEP session: a send-only peer fed from the publisher's track sources. Owns its peer, its
 * subscriptions and its timer; every way out (DELETE, ICE failure, timeout, set end) reaches
 * `close()`, which frees them all and emits `close` once.
 */
export class Viewer extends EventEmitter<ViewerEvents> {
  readonly id: string;
  readonly createdAt = Date.now();
  readonly #pc: RTCPeerConnection;
  readonly #options: ViewerOptions;
  readonly #unsubscribes: Array<() => void> = [];
  readonly #lifecycle: PeerLifecycle;
  readonly #untrack = instances.track('viewer', this);
  /**
   * Start from the cached group of pictures (GopCache). `CURBCAST_JOIN_CATCH_UP=off` turns it off
   * (the viewer then waits for a keyframe asked for once connected): an escape hatch should a
   * player mishandle the squeezed frames, and the baseline of test/bench/join-timeline.ts AB=catchup.
   */
  readonly #catchUp = process.env.CURBCAST_JOIN_CATCH_UP !== 'off';
  /** Where the video goes, once negotiated (a connected viewer's catch-up is sent through it). */
  #videoSender: RTCRtpSender | undefined;
  #closed = false;

  constructor(options: ViewerOptions) {
    super();
    this.#options = options;
    this.id = options.id ?? randomUUID();
    const codecs = forwardingCodecs({ audio: options.sources.audio?.codec, video: options.sources.video?.codec });
    this.#pc = new RTCPeerConnection(peerConfig(options.ice, codecs));
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

  /** Applies the WHEP offer, wires each offered track to its source, and returns the answer. */
  async accept(offer: string, negotiation: NegotiationOptions): Promise<string> {
    if (this.#closed) throw new InvalidStateError('viewer closed');
    const answer = await negotiate(this.#pc, offer, {
      ...negotiation,
      // werift answers a recvonly offer with `inactive` unless told it will send.
      beforeAnswer: (pc) => {
        for (const transceiver of pc.getTransceivers()) transceiver.setDirection('sendonly');
      },
    });
    if (this.#closed) throw new InvalidStateError('viewer closed while negotiating');
    let wired = 0;
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.kind;
      if (kind !== 'audio' && kind !== 'video') continue;
      const source = this.#options.sources[kind];
      if (!source || !transceiver.sender.codec) continue;
      const sender = transceiver.sender;
      if (kind === 'video') this.#videoSender = sender;
      const forward = (packet: RtpPacket) => {
        if (this.#lifecycle.connected) forwardRtp(sender, packet);
      };
      this.#unsubscribes.push(source.onPacket(forward));
      // A viewer's decoder asks for a keyframe when it cannot go on; only the publisher can make one.
      const pli = sender.onPictureLossIndication.subscribe(() => source.requestKeyframe());
      this.#unsubscribes.push(pli.unSubscribe);
      const onFeedback = kind === 'video' ? this.#options.onVideoFeedback : undefined;
      const rtcp = sender.onRtcp.subscribe((packet) => {
        this.#lifecycle.activity();
        if (onFeedback) reportFeedback(packet, sender.ssrc, onFeedback);
      });
      this.#unsubscribes.push(rtcp.unSubscribe);
      wired++;
    }
    if (wired === 0 || !this.#options.sources.video || !this.#wiredKind('video')) {
      this.close('no playable video');
      throw new BadRequestError(
        `This player cannot receive the set's video (${this.#options.sources.video?.codec.mimeType ?? 'none'}).`,
        'codec_mismatch',
      );
    }
    this.#lifecycle.awaitConnection();
    // Asked now rather than once connected: the keyframe is made and sent while ICE and DTLS come
    // up, and waits in the layer's GopCache for this viewer (see #onConnected).
    if (this.#catchUp) this.#options.sources.video?.requestKeyframe();
    return answer;
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.#lifecycle.stop((error) => this.#options.logger.warn({ error }, 'viewer close failed'));
    this.#untrack();
    this.#options.logger.debug({ viewer: this.id, reason }, 'viewer closed');
    this.emit('close', reason);
    this.removeAllListeners();
  }

  #wiredKind(kind: MediaKind): boolean {
    return this.#pc.getTransceivers().some((t) => t.kind === kind && t.sender.codec !== undefined);
  }

  #onConnected(): void {
    const video = this.#options.sources.video;
    const sender = this.#videoSender;
    // The group of pictures so far (from a keyframe, usually the one asked for in accept()), so the
    // player decodes at once; live packets follow on from the next one.
    const catchUp = this.#catchUp ? video?.catchUp?.() : undefined;
    if (catchUp && sender) for (const packet of catchUp) forwardRtp(sender, packet);
    // Else a fresh keyframe: without one the player would wait for the publisher's next, seconds of black.
    else video?.requestKeyframe();
    this.emit('connected');
  }
}

/** Loss from a receiver report about our stream: what layer choice needs of RTCP. */
function reportFeedback(packet: RtcpPacket, ssrc: number, report: (feedback: LinkFeedback) => void): void {
  if (packet instanceof RtcpRrPacket) {
    const ours = packet.reports.find((block) => block.ssrc === ssrc);
    // Cumulative counters, not the per-report fraction: browsers report several times a second,
    // and a fraction over a few packets is noise.
    if (ours) report({ lost: signed24(ours.packetsLost), highestSequence: ours.highestSequence });
  }
}

/** RTCP's cumulative loss is a signed 24-bit number (duplicates can make it negative). */
function signed24(value: number): number {
  return value & 0x800000 ? (value & 0xffffff) - 0x1000000 : value & 0xffffff;
}
