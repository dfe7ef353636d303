import { EventEmitter } from 'node:events';
import { RTCPeerConnection, type RtpPacket } from 'werift';
import type { Logger } from 'pino';
import { instances } from '../diagnostics/gauges.js';
import type { MediaKind, TrackSource } from '../sfu/track.js';
import { relayTarget } from '../../common/relay.js';
import { RelayError, refusalError, unreachableError } from './relay-error.js';
import { gatheringComplete } from '../sfu/negotiate.js';
import { forwardingCodecs } from '../sfu/peer-config.js';
import { relayPeerConfig, withoutFallbackStun, type RelayNetwork } from './relay-peer.js';

export interface WhipTimeouts {
  /** The POST (offer → answer), ms. */
  requestMs: number;
  /** From the answer to a connected peer, ms. */
  connectMs: number;
  /** A connection that stays `disconnected` this long is over, ms. */
  disconnectedMs: number;
  /** A connected target that sends no RTCP at all for this long is gone, ms: receivers report every second or so, and ICE consent would take 30 s (werift sends no DTLS close, so a werift target that stops says nothing). */
  silenceMs: number;
  /** The DELETE at the end (best effort), ms. */
  deleteMs: number;
}

export const WHIP_TIMEOUTS: WhipTimeouts = { requestMs: 10_000, connectMs: 15_000, disconnectedMs: 5_000, silenceMs: 10_000, deleteMs: 2_000 };

export interface WhipSessionOptions {
  /** The WHIP endpoint. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token: string | undefined;
  /** The live set's tracks (the video source is its best layer). */
  sources: Partial<Record<MediaKind, TrackSource>>;
  network: RelayNetwork;
  /** The busker's STUN server, if any; none means host candidates only. */
  stunUrl: string | undefined;
  logger: Logger;
  timeouts?: Partial<WhipTimeouts>;
}

type WhipSessionEvents = {
  /** ICE and DTLS are up: packets flow to the target. */
  connected: [];
  /** The session is over after it was answered (connection failed, lost, closed by the target); emitted once, not after close(). */
  ended: [reason: string];
};

/** What the relay manager needs of a session (a fake in unit tests). */
export interface RelaySession {
  start(): Promise<void>;
  close(): Promise<void>;
  on<K extends keyof WhipSessionEvents>(event: K, listener: (...args: WhipSessionEvents[K]) => void): unknown;
}

/** How often the session checks its deadlines; one timer per session. */
const WATCH_INTERVAL_MS = 500;
/** Gathering host candidates takes milliseconds; a STUN server gets up to 3 s (relayPeerConfig). */
const GATHER_TIMEOUT_MS = 4000;
/** Enough of a refusal's body to quote; the rest is not read. */
const MAX_ERROR_BODY_BYTES = 4096;

/**
 * One WHIP session (RFC 9725) from the node to a target, as a client: a send-only werift peer whose
 * codecs are exactly the set's, one POST of the offer after gathering, the answer applied, then the
 * set's packets forwarded as they are while connected. The target's keyframe requests reach the
 * publisher. `close()` (idempotent) sends the DELETE, closes the peer and frees every subscription
 * and timer; every way out reaches it.
 */
export class WhipSession extends EventEmitter<WhipSessionEvents> implements RelaySession {
  readonly #options: WhipSessionOptions;
  readonly #timeouts: WhipTimeouts;
  readonly #host: string;
  readonly #pc: RTCPeerConnection;
  /** Aborts the POST when the session is closed while it is in flight. */
  readonly #abort = new AbortController();
  readonly #unsubscribes: Array<() => void> = [];
  readonly #untrack = instances.track('relay-session', this);
  #resource: URL | undefined;
  #watch: NodeJS.Timeout | undefined;
  #answeredAt = 0;
  #lastHeardAt = 0;
  #disconnectedAt: number | undefined;
  #connected = false;
  #closing: Promise<void> | undefined;

  constructor(options: WhipSessionOptions) {
    super();
    this.#options = options;
    this.#timeouts = { ...WHIP_TIMEOUTS, ...options.timeouts };
    this.#host = relayTarget(options.url) || 'the target';
    const codecs = forwardingCodecs({ audio: options.sources.audio?.codec, video: options.sources.video?.codec });
    this.#pc = new RTCPeerConnection(relayPeerConfig(options.network, options.stunUrl, codecs));
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Offers, POSTs and applies the answer; rejects with a RelayError saying why. */
  async start(): Promise<void> {
    const pc = this.#pc;
    for (const kind of ['audio', 'video'] as const) {
      if (this.#options.sources[kind]) pc.addTransceiver(kind, { direction: 'sendonly' });
    }
    withoutFallbackStun(pc, this.#options.stunUrl);
    const subscription = pc.connectionStateChange.subscribe((state) => this.#onConnectionState(state));
    this.#unsubscribes.push(subscription.unSubscribe);

    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc, GATHER_TIMEOUT_MS);
    this.#refuseIfClosed();
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new RelayError('Could not make an offer (no local description).', true);

    const answer = await this.#post(offer);
    this.#refuseIfClosed();
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (error) {
      throw new RelayError(`${this.#host}'s answer could not be used: ${error instanceof Error ? error.message : String(error)}.`, true);
    }
    this.#refuseIfClosed();
    const video = this.#options.sources.video;
    if (video && !pc.getTransceivers().some((t) => t.kind === 'video' && t.sender.codec)) {
      throw new RelayError(`${this.#host} does not take ${video.codec.mimeType.replace(/^video\//i, '')} video.`, false);
    }
    this.#answeredAt = Date.now();
    this.#watch = setInterval(() => this.#checkDeadlines(), WATCH_INTERVAL_MS);
    this.#options.logger.info({ target: this.#host }, 'relay answered; connecting');
  }

  /** Ends the session: DELETE at the target (best effort, short timeout), peer closed. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  async #teardown(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#watch);
    this.#watch = undefined;
    this.#connected = false;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.removeAllListeners();
    const deleted = this.#deleteResource();
    await this.#pc.close().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'relay peer close failed'));
    await deleted;
    this.#untrack();
  }

  async #post(offer: string): Promise<string> {
    const headers: Record<string, string> = { 'Content-Type': 'application/sdp', Accept: 'application/sdp' };
    if (this.#options.token) headers.Authorization = `Bearer ${this.#options.token}`;
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeouts.requestMs)]);
    let response: Response;
    try {
      response = await fetch(this.#options.url, { method: 'POST', headers, body: offer, signal, redirect: 'follow' });
    } catch (error) {
      this.#refuseIfClosed();
      throw unreachableError(this.#host, error, this.#timeouts.requestMs);
    }
    const location = response.headers.get('location');
    if (response.status === 201 && location) {
      try {
        // RFC 9725: the session's resource, relative to the URL that answered.
        this.#resource = new URL(location, response.url || this.#options.url);
      } catch {
        this.#options.logger.warn({ target: this.#host }, 'relay answer had an unusable Location; no DELETE at the end');
      }
    }
    if (this.closed) {
      // Closed while the target was answering: the session it just made must not linger there.
      void this.#deleteResource();
      throw new RelayError('The relay session was closed.', true);
    }
    let body: string;
    try {
      body = response.status === 201 ? await response.text() : await readSome(response, MAX_ERROR_BODY_BYTES);
    } catch (error) {
      this.#refuseIfClosed();
      throw unreachableError(this.#host, error, this.#timeouts.requestMs);
    }
    if (response.status !== 201) {
      const secrets = [this.#options.token ?? ''];
      throw refusalError(this.#host, response.status, response.statusText, body, secrets, response.headers.get('retry-after'));
    }
    if (!location) this.#options.logger.warn({ target: this.#host }, 'relay answer had no Location; no DELETE at the end');
    if (!/^v=0\r?\n/.test(body)) throw new RelayError(`${this.#host} answered 201 without an SDP answer.`, true);
    return body;
  }

  async #deleteResource(): Promise<void> {
    const resource = this.#resource;
    this.#resource = undefined;
    if (!resource) return;
    const headers: Record<string, string> = this.#options.token ? { Authorization: `Bearer ${this.#options.token}` } : {};
    try {
      const response = await fetch(resource, { method: 'DELETE', headers, signal: AbortSignal.timeout(this.#timeouts.deleteMs) });
      await response.body?.cancel();
    } catch {
      // Best effort: the target also ends the session when the peer goes quiet.
    }
  }

  #onConnectionState(state: string): void {
    if (this.closed) return;
    if (state === 'connected') {
      this.#disconnectedAt = undefined;
      if (!this.#connected) this.#onConnected();
    } else if (state === 'disconnected') {
      this.#disconnectedAt ??= Date.now();
    } else if (state === 'failed') {
      this.#end(`The connection to ${this.#host} failed.`);
    } else if (state === 'closed') {
      this.#end(`${this.#host} closed the connection.`);
    }
  }

  #onConnected(): void {
    this.#connected = true;
    this.#lastHeardAt = Date.now();
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.kind;
      if (kind !== 'audio' && kind !== 'video') continue;
      const source = this.#options.sources[kind];
      const sender = transceiver.sender;
      if (!source || !sender.codec) continue;
      const forward = (packet: RtpPacket) => {
        if (this.#connected) sender.sendRtp(packet).catch(() => undefined);
      };
      this.#unsubscribes.push(source.onPacket(forward));
      // The target's decoder (or its recorder, or a transcoder) needs a keyframe: only the publisher can make one.
      const pli = sender.onPictureLossIndication.subscribe(() => source.requestKeyframe());
      this.#unsubscribes.push(pli.unSubscribe);
      const rtcp = sender.onRtcp.subscribe(() => (this.#lastHeardAt = Date.now()));
      this.#unsubscribes.push(rtcp.unSubscribe);
    }
    // Without it the target waits for the publisher's next periodic keyframe before it can show anything.
    this.#options.sources.video?.requestKeyframe();
    this.#options.logger.info({ target: this.#host }, 'relay live');
    this.emit('connected');
  }

  #checkDeadlines(): void {
    const now = Date.now();
    if (!this.#connected) {
      if (now - this.#answeredAt > this.#timeouts.connectMs) {
        this.#end(`Could not connect to ${this.#host} within ${Math.round(this.#timeouts.connectMs / 1000)} s (UDP blocked on the way?).`);
      }
      return;
    }
    if (this.#disconnectedAt !== undefined && now - this.#disconnectedAt > this.#timeouts.disconnectedMs) {
      this.#end(`Lost the connection to ${this.#host}.`);
    } else if (now - this.#lastHeardAt > this.#timeouts.silenceMs) {
      this.#end(`${this.#host} stopped answering.`);
    }
  }

  /** The session is over by itself: say why once, then free everything. */
  #end(reason: string): void {
    if (this.closed) return;
    this.#options.logger.warn({ target: this.#host, reason }, 'relay session ended');
    this.emit('ended', reason);
    void this.close();
  }

  #refuseIfClosed(): void {
    if (this.closed) throw new RelayError('The relay session was closed.', true);
  }
}

/** At most `limit` bytes of a body, as text; the rest is not downloaded. */
async function readSome(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
