import { NodeError, fetchFromNode } from './node-error.js';

/** What a page sees of a peer connection (browsers without `connectionState` get it from ICE). */
export type PeerState = RTCPeerConnectionState;

export interface MediaSessionOptions {
  /** The WHIP or WHEP endpoint, relative to the page (e.g. '/whip'). */
  endpoint: string;
  /** Extra request headers, e.g. Authorization for WHIP. Sent with the POST and the DELETE. */
  headers?: Record<string, string>;
  /** Called on every connection state change, from the first offer to `stop()`. */
  onState?: (state: PeerState) => void;
  /** Longest wait for ICE gathering before posting the offer anyway, ms. */
  gatherTimeoutMs?: number;
  /**
   * Post the offer without waiting for ICE gathering (default: wait). Only for an ICE-lite peer,
   * as the node is: it never sends checks, it learns this browser's address from the browser's own
   * checks, so the offer needs no candidates. Gathering carries on; every candidate it finds is
   * still paired with the answer's. Saves Chromium's ~130 ms of gathering before the POST.
   */
  offerBeforeGathering?: boolean;
  /** Longest wait from the answer to `connected`, ms. */
  connectTimeoutMs?: number;
  /** Longest wait for the DELETE in `stop()`, ms (the session ends locally either way). */
  stopTimeoutMs?: number;
  /**
   * The busker's STUN/TURN servers, asked for right before the offer (TURN credentials are minted
   * per session and expire; see lib/ice.ts). None by default: on the busker's network none is needed.
   */
  iceServers?: (signal: AbortSignal) => Promise<RTCIceServer[]>;
  /** 'relay' sends everything through TURN (a diagnostics and testing aid: the viewer's `?relay=1`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/**
 * One WHIP or WHEP session (RFC 9725 style): one offer out, one answer back, the session named by
 * the answer's `Location`, ended by DELETE. The node does not trickle, so the offer waits for ICE
 * gathering and carries every candidate (unless `offerBeforeGathering`). Owns its peer connection,
 * listeners and timers; `stop()` frees all of them and may be called at any moment, even while
 * `start()` is still running.
 */
export class MediaSession {
  readonly pc: RTCPeerConnection;
  readonly #options: MediaSessionOptions;
  readonly #abort = new AbortController();
  #location: string | undefined;
  #links = new Map<string, string>();
  #lastState: PeerState | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: MediaSessionOptions) {
    this.#options = options;
    // No STUN/TURN until start() asks the node: unless the busker configured some, nothing leaves the network.
    this.pc = new RTCPeerConnection({ iceServers: [], iceTransportPolicy: options.iceTransportPolicy ?? 'all' });
    this.pc.addEventListener('connectionstatechange', this.#onStateChange);
    this.pc.addEventListener('iceconnectionstatechange', this.#onStateChange);
  }

  /** The peer's state, derived from ICE where `connectionState` is missing (older Firefox). */
  get state(): PeerState {
    if (this.#abort.signal.aborted) return 'closed';
    return peerState(this.pc);
  }

  get stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  /** The session's URL on the node (the answer's `Location`), once it answered. */
  get location(): string | undefined {
    return this.#location;
  }

  /**
   * Offers, posts, applies the answer and resolves once media can flow (`connected`). Rejects with a
   * NodeError carrying the node's message, or an AbortError when `stop()` came first.
   */
  async start(): Promise<void> {
    const signal = this.#abort.signal;
    const iceServers = (await this.#options.iceServers?.(signal)) ?? [];
    throwIfAborted(signal);
    if (iceServers.length > 0) this.#useIceServers(iceServers);
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (!this.#options.offerBeforeGathering) {
      // A TURN allocation takes a round trip or two more than host candidates.
      await iceGatheringComplete(this.pc, this.#options.gatherTimeoutMs ?? (iceServers.length > 0 ? 3000 : 1500), signal);
    }
    const offer = this.pc.localDescription?.sdp;
    if (!offer) throw new NodeError(0, 'no_offer', 'This browser produced no WebRTC offer.');
    const endpoint = new URL(this.#options.endpoint, location.href).href;
    const response = await fetchFromNode(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', ...this.#options.headers },
      body: offer,
      signal,
      cache: 'no-store',
    });
    const where = response.headers.get('Location');
    if (where) this.#location = new URL(where, endpoint).href;
    this.#links = parseLinks(response.headers.get('Link') ?? '', endpoint);
    const answer = await response.text();
    throwIfAborted(signal);
    if (response.status !== 201 || !this.#location) {
      throw new NodeError(response.status, 'bad_answer', `The node answered ${response.status} without a session.`);
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await connected(this, this.#options.connectTimeoutMs ?? 15_000, signal);
  }

  /** The answer's `Link` of that relation (e.g. the WHEP layer extension), as an absolute URL. */
  link(rel: string): string | undefined {
    return this.#links.get(rel);
  }

  /** Before the offer, so gathering uses them. A list this browser refuses is left out (and said in the console). */
  #useIceServers(iceServers: RTCIceServer[]): void {
    try {
      this.pc.setConfiguration({ iceServers, iceTransportPolicy: this.#options.iceTransportPolicy ?? 'all' });
    } catch (error) {
      console.warn('Curbcast: this browser refused the STUN/TURN servers; connecting without them.', error);
    }
  }

  /**
   * Ends the session: closes the peer at once, then tells the node (DELETE, best effort, `keepalive`
   * so it survives the page closing). Resolves when the node answered or after a short wait.
   * `notifyNode: false` skips the DELETE when the node itself already ended the session.
   */
  stop(notifyNode = true): Promise<void> {
    this.#stopping ??= this.#stop(notifyNode);
    return this.#stopping;
  }

  async #stop(notifyNode: boolean): Promise<void> {
    this.#abort.abort();
    this.pc.removeEventListener('connectionstatechange', this.#onStateChange);
    this.pc.removeEventListener('iceconnectionstatechange', this.#onStateChange);
    this.pc.close();
    this.#report('closed');
    const where = this.#location;
    if (!where || !notifyNode) return;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.#options.stopTimeoutMs ?? 2000));
    const removal = fetch(where, { method: 'DELETE', headers: this.#options.headers, keepalive: true }).then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([removal, timeout]);
  }

  readonly #onStateChange = (): void => this.#report(peerState(this.pc));

  #report(state: PeerState): void {
    if (state === this.#lastState) return;
    this.#lastState = state;
    this.#options.onState?.(state);
  }
}

function peerState(pc: RTCPeerConnection): PeerState {
  if (pc.connectionState) return pc.connectionState;
  switch (pc.iceConnectionState) {
    case 'checking':
      return 'connecting';
    case 'completed':
      return 'connected';
    default:
      return pc.iceConnectionState;
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DOMException('The session was stopped.', 'AbortError');
}

/** Resolves when gathering is complete or after `timeoutMs` (the offer then carries what was found). */
function iceGatheringComplete(pc: RTCPeerConnection, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(done, timeoutMs);
    const onChange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const onAbort = () => {
      cleanup();
      reject(new DOMException('The session was stopped.', 'AbortError'));
    };
    pc.addEventListener('icegatheringstatechange', onChange);
    signal.addEventListener('abort', onAbort);
    function cleanup() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      signal.removeEventListener('abort', onAbort);
    }
    function done() {
      cleanup();
      resolve();
    }
  });
}

/** Resolves on `connected`; rejects on `failed`/`closed`, on timeout, or when stopped. */
function connected(session: MediaSession, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const pc = session.pc;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new NodeError(0, 'ice_timeout', 'The media connection to the node did not come up in time.')),
      timeoutMs,
    );
    const onChange = () => {
      const state = session.state;
      if (state === 'connected') finish();
      else if (state === 'failed') finish(new NodeError(0, 'ice_failed', 'The media connection to the node failed.'));
      else if (state === 'closed') finish(new DOMException('The session was stopped.', 'AbortError'));
    };
    const onAbort = () => finish(new DOMException('The session was stopped.', 'AbortError'));
    pc.addEventListener('connectionstatechange', onChange);
    pc.addEventListener('iceconnectionstatechange', onChange);
    signal.addEventListener('abort', onAbort);
    onChange();
    function finish(error?: unknown) {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', onChange);
      pc.removeEventListener('iceconnectionstatechange', onChange);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    }
  });
}

/** `<url>; rel="name", …` → name → absolute URL (ICE server links carry more parameters; only rel matters here). */
function parseLinks(header: string, base: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const match of header.matchAll(/<([^>]*)>\s*;([^,]*)/g)) {
    const rel = /rel="?([^";]+)"?/.exec(match[2] ?? '')?.[1];
    if (!rel || links.has(rel)) continue;
    try {
      links.set(rel, new URL(match[1] ?? '', base).href);
    } catch {
      // Not a URL: not a link we can use.
    }
  }
  return links;
}
