import { backoffDelay } from '../lib/backoff.js';
import { formatElapsed } from '../lib/dom.js';
import { NodeError, isAbortError, messageOf } from '../lib/node-error.js';
import type { PeerState } from '../lib/media-session.js';
import { WhipSession } from '../lib/whip-client.js';

/** What the big button and the state line show; `failed` carries its reason as `detail`. */
export type BroadcastState = 'offline' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface BroadcastOptions {
  token: () => string;
  tracks: () => { video: MediaStreamTrack | undefined; audio: MediaStreamTrack | undefined };
  /** Runs before going live (saves the set info); a throw stops going live with its message. */
  prepare: () => Promise<void>;
  onChange: (state: BroadcastState, detail: string) => void;
  /** Whether to send simulcast (read at each new session). */
  simulcast?: () => boolean;
}

/**
 * New WHIP sessions tried after the connection is lost, before giving up: about 20 s in all, inside
 * the 30 s the node keeps the set waiting. The node also refuses bursts of attempts (429).
 */
const RECONNECT_ATTEMPTS = 9;
const RECONNECT_BACKOFF = { baseMs: 500, capMs: 4000 };
/** `disconnected` often heals by itself (a Wi-Fi hiccup); wait this long before starting over. */
const DISCONNECTED_GRACE_MS = 3000;

/**
 * The set, from the studio's side: going live over WHIP, staying live (a new session when the old
 * one is lost, with backoff), and ending. One WhipSession at a time; each action runs under its own
 * AbortController, so a click on "End set" cancels whatever was in progress.
 */
export class Broadcast {
  readonly #options: BroadcastOptions;
  #state: BroadcastState = 'offline';
  #session: WhipSession | undefined;
  #run = new AbortController();
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The session the node knows this set by, kept while reconnecting: new sessions name it
   * (`?resume=`) so the node continues the same set, and End set pressed meanwhile ends it.
   */
  #setSession: string | undefined;
  /** The node confirmed this session live (so a later `live: false` means it lost us). */
  #nodeConfirmed = false;
  #liveSince: number | undefined;

  constructor(options: BroadcastOptions) {
    this.#options = options;
  }

  get state(): BroadcastState {
    return this.#state;
  }

  /** When the set began (kept across reconnections), while live or reconnecting. */
  get liveSince(): number | undefined {
    return this.#state === 'live' || this.#state === 'reconnecting' ? this.#liveSince : undefined;
  }

  get active(): boolean {
    return this.#state === 'connecting' || this.#state === 'live' || this.#state === 'reconnecting';
  }

  async goLive(): Promise<void> {
    if (this.active) return;
    const signal = this.#newRun();
    this.#setSession = undefined;
    this.#set('connecting');
    try {
      await this.#options.prepare();
      if (signal.aborted) return;
      await this.#connect();
      if (signal.aborted) return;
      this.#liveSince = Date.now();
      this.#set('live');
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      await this.#dropSession();
      if (!signal.aborted) this.#set('failed', messageOf(error));
    }
  }

  /** Ends the set (or cancels going live) and tells the node. */
  async end(): Promise<void> {
    if (!this.active) return;
    const wasLive = this.#state !== 'connecting';
    const since = this.#liveSince;
    this.#newRun();
    const waiting = this.#session === undefined ? this.#setSession : undefined;
    await this.#dropSession();
    // Between reconnection attempts: the node still holds the set for us; end it there too.
    if (waiting) await endOnNode(waiting, this.#options.token());
    this.#setSession = undefined;
    this.#set(wasLive ? 'ended' : 'offline', wasLive && since ? `The set lasted ${formatElapsed(Date.now() - since)}.` : '');
  }

  /** A camera or microphone switch, applied to the live sender without a new session. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    await this.#session?.replaceTrack(track);
  }

  /**
   * What the events socket says about the node. A set the node lost us from (it waits for us:
   * `interrupted`) is taken up again at once, without waiting for this browser to notice; a set
   * the node ended is started again.
   */
  nodeStatus(live: boolean, interrupted = false): void {
    if (live && !interrupted) {
      if (this.#state === 'connecting' || this.#state === 'live') this.#nodeConfirmed = true;
      return;
    }
    if (this.#state !== 'live' || !this.#nodeConfirmed) return;
    if (live) void this.#reconnect('The node lost our connection; reconnecting…');
    else void this.#reconnect('The node ended the set unexpectedly; reconnecting…', true);
  }

  /** The page is going away: end the set (the DELETE is sent with keepalive). */
  close(): void {
    this.#newRun();
    void this.#dropSession();
  }

  async #connect(resume?: string): Promise<void> {
    const { video, audio } = this.#options.tracks();
    if (!video || video.readyState !== 'live') throw new Error('No camera: allow the camera (or pick one) before going live.');
    this.#nodeConfirmed = false;
    const session: WhipSession = new WhipSession({
      token: this.#options.token(),
      video,
      audio: audio?.readyState === 'live' ? audio : undefined,
      onState: (state) => this.#onPeerState(session, state),
      simulcast: this.#options.simulcast?.() ?? false,
      endpoint: resume ? `/whip?resume=${encodeURIComponent(sessionId(resume))}` : '/whip',
    });
    this.#session = session;
    await session.start();
    this.#setSession = session.location;
  }

  #onPeerState(session: WhipSession, state: PeerState): void {
    if (session !== this.#session) return;
    if (this.#state === 'live') {
      if (state === 'disconnected') {
        this.#set('reconnecting', 'The connection to the node dropped; waiting for it to come back…');
        this.#graceTimer = setTimeout(() => void this.#reconnect(), DISCONNECTED_GRACE_MS);
      } else if (state === 'failed' || state === 'closed') {
        void this.#reconnect();
      }
    } else if (this.#state === 'reconnecting' && this.#graceTimer !== undefined) {
      if (state === 'connected') {
        this.#clearGrace();
        this.#set('live');
      } else if (state === 'failed' || state === 'closed') {
        void this.#reconnect();
      }
    }
  }

  /**
   * A new WHIP session after the old one was lost: a few tries with backoff, then `failed`. The old
   * session is closed here but not ended on the node: each try names it (`?resume=`), so the node
   * carries the same set on — viewers keep watching, the recording goes on. `nodeEnded`: the node
   * already ended the set, so the next session starts a new one.
   */
  async #reconnect(detail = 'The connection to the node was lost; reconnecting…', nodeEnded = false): Promise<void> {
    if (this.#state !== 'live' && this.#state !== 'reconnecting') return;
    const signal = this.#newRun();
    this.#set('reconnecting', detail);
    if (nodeEnded) this.#setSession = undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < RECONNECT_ATTEMPTS; attempt++) {
      await this.#dropSession(false);
      if (attempt > 0) {
        this.#set('reconnecting', `Reconnecting (try ${attempt + 1} of ${RECONNECT_ATTEMPTS}): ${messageOf(lastError)}`);
        await sleep(backoffDelay(attempt - 1, RECONNECT_BACKOFF), signal);
      }
      if (signal.aborted) return;
      try {
        await this.#connect(this.#setSession);
        if (signal.aborted) return;
        this.#set('live');
        return;
      } catch (error) {
        if (signal.aborted) return;
        lastError = error;
        if (error instanceof NodeError && error.status === 401) break;
      }
    }
    await this.#dropSession();
    if (this.#setSession) await endOnNode(this.#setSession, this.#options.token());
    this.#setSession = undefined;
    if (!signal.aborted) this.#set('failed', `Could not get back on air: ${messageOf(lastError)}`);
  }

  /** Cancels whatever was running and returns the new action's signal. */
  #newRun(): AbortSignal {
    this.#run.abort();
    this.#run = new AbortController();
    this.#clearGrace();
    return this.#run.signal;
  }

  #clearGrace(): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  async #dropSession(notifyNode = true): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    this.#nodeConfirmed = false;
    await session?.stop(notifyNode);
  }

  #set(state: BroadcastState, detail = ''): void {
    this.#state = state;
    this.#options.onChange(state, detail);
  }
}

/** `/whip/<id>` (or its full URL) → `<id>`. */
function sessionId(location: string): string {
  return new URL(location, 'http://node').pathname.split('/').pop() ?? '';
}

/** DELETE of a set's session that this page no longer holds a peer for (best effort, short wait). */
async function endOnNode(location: string, token: string): Promise<void> {
  const removal = fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` }, keepalive: true }).then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([removal, new Promise<void>((resolve) => setTimeout(resolve, 2000))]);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
