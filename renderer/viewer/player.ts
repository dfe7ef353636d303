import type { QualityPreference } from '../../common/quality.js';
import { backoffDelay } from '../lib/backoff.js';
import type { PeerState } from '../lib/media-session.js';
import { NodeError, messageOf } from '../lib/node-error.js';
import { WhepSession } from '../lib/whep-client.js';

/** `full`: the node refused one more viewer (503 full, 429 too many tries); the page retries later by itself. */
export type ViewerState = 'offline' | 'connecting' | 'playing' | 'full';

export interface PlayerOptions {
  video: HTMLVideoElement;
  unmute: HTMLButtonElement;
  /** The page's state and a short note for the screen ("Connecting…", why it is retrying). */
  onState: (state: ViewerState, note: string) => void;
  /** 'relay': play through the busker's TURN server only (the page's `?relay=1`, for diagnostics and tests). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** STUN/TURN servers for each new session (default: the node's, fetched right before the offer). */
  iceServers?: (signal: AbortSignal) => Promise<RTCIceServer[]>;
}

const RETRY_BACKOFF = { baseMs: 1000, capMs: 10_000 };
/** `disconnected` often heals (a phone switching access points); wait this long before a new session. */
const DISCONNECTED_GRACE_MS = 4000;
/** No new frame for this long while the page is visible means the session is dead, whatever ICE says. */
const STALL_MS = 10_000;
/** A session that played this long resets the backoff. */
const STABLE_MS = 15_000;
/** "The laptop is full": try again after about this long (with jitter, so a crowd does not return at once). */
const FULL_RETRY = { baseMs: 30_000, capMs: 60_000 };

/** The node's refusals that mean "no room for one more viewer now", whatever their exact code. */
export function isFullRefusal(error: unknown): error is NodeError {
  return error instanceof NodeError && (error.code === 'full' || error.code === 'rate_limited' || error.status === 503 || error.status === 429);
}

/** What the page says when the node gave no words of its own. */
export const LAPTOP_FULL_FALLBACK = "The busker's laptop is full right now — try again in a minute.";

/** Frames the video element has shown so far (tests watch it rise; the stall watch uses it too). */
export function framesDecoded(video: HTMLVideoElement): number {
  if (typeof video.getVideoPlaybackQuality === 'function') return video.getVideoPlaybackQuality().totalVideoFrames;
  return (video as HTMLVideoElement & { webkitDecodedFrameCount?: number }).webkitDecodedFrameCount ?? 0;
}

/**
 * Plays the set while the node says it is live: one WHEP session at a time, a new one (with backoff
 * and jitter) when it fails, drops or stalls, none while offline. Starts muted, as browsers only
 * autoplay silently, with a big "Tap to unmute". Owns its session, timers and listeners.
 */
export class Player {
  readonly #video: HTMLVideoElement;
  readonly #unmute: HTMLButtonElement;
  readonly #onState: PlayerOptions['onState'];
  readonly #iceTransportPolicy: RTCIceTransportPolicy | undefined;
  readonly #iceServers: PlayerOptions['iceServers'];
  #wantLive = false;
  #session: WhepSession | undefined;
  #attempt = 0;
  #playingSince: number | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #watchTimer: ReturnType<typeof setInterval> | undefined;
  #lastFrames = 0;
  #lastFrameAt = 0;
  /** The node says the busker's connection dropped: frames stop, and this session must be kept. */
  #interrupted = false;
  #closed = false;
  /** Refused as full: the page keeps saying so while it waits and retries. */
  #full = false;
  #fullAttempt = 0;
  /** The viewer's Auto / High / Medium / Low, asked of every new session too. */
  #quality: QualityPreference = 'auto';

  constructor({ video, unmute, onState, iceTransportPolicy, iceServers }: PlayerOptions) {
    this.#iceTransportPolicy = iceTransportPolicy;
    this.#iceServers = iceServers;
    this.#video = video;
    this.#unmute = unmute;
    this.#onState = onState;
    video.muted = true;
    video.addEventListener('playing', this.#onPlaying);
    video.addEventListener('click', this.#onVideoTap);
    unmute.addEventListener('click', this.#onUnmute);
  }

  /** What the node says; starts or ends playback accordingly. */
  setLive(live: boolean): void {
    if (this.#closed) return;
    if (live) {
      if (!this.#wantLive) this.#attempt = this.#fullAttempt = 0;
      this.#wantLive = true;
      if (!this.#session && this.#retryTimer === undefined) void this.#play();
      return;
    }
    this.#wantLive = false;
    this.#full = false;
    this.#fullAttempt = 0;
    // The node closed every viewer's session when the set ended: no DELETE to send.
    this.#reset(false);
    this.#set('offline', '');
  }

  /**
   * The busker's connection dropped and the node waits for it to come back: keep this session
   * (the picture resumes on it, at the next keyframe) and do not take the pause for a stall.
   */
  setInterrupted(interrupted: boolean): void {
    if (this.#closed || interrupted === this.#interrupted) return;
    this.#interrupted = interrupted;
    this.#lastFrameAt = Date.now();
    if (interrupted) this.#set(this.#session ? 'playing' : 'connecting', 'The busker’s connection dropped — back in a moment…');
    else if (this.#session) this.#set('playing', '');
  }

  /** Auto / High / Medium / Low; false when the node could not take it (no session, or no layer choice). */
  async setQuality(quality: QualityPreference): Promise<boolean> {
    this.#quality = quality;
    return (await this.#session?.setQuality(quality)) ?? false;
  }

  /** The page is going away: leave the set (DELETE, keepalive) and free everything. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wantLive = false;
    this.#reset();
    this.#video.removeEventListener('playing', this.#onPlaying);
    this.#video.removeEventListener('click', this.#onVideoTap);
    this.#unmute.removeEventListener('click', this.#onUnmute);
  }

  async #play(): Promise<void> {
    this.#retryTimer = undefined;
    if (!this.#full) this.#set('connecting', this.#attempt === 0 ? 'Connecting to the set…' : 'Reconnecting…');
    const session: WhepSession = new WhepSession({
      onState: (state) => this.#onPeerState(session, state),
      iceTransportPolicy: this.#iceTransportPolicy,
      iceServers: this.#iceServers,
    });
    this.#session = session;
    this.#video.srcObject = session.stream;
    try {
      await session.start();
      if (session !== this.#session) return;
      if (this.#quality !== 'auto') void session.setQuality(this.#quality);
      this.#startWatch();
      await this.#startPlayback();
    } catch (error) {
      if (session !== this.#session) return;
      if (error instanceof NodeError && error.code === 'offline') {
        // The set ended between the node's "live" and our offer; its "offline" status is on its way.
        this.#wantLive = false;
        this.#reset(false);
        this.#set('offline', '');
        return;
      }
      if (isFullRefusal(error)) {
        this.#waitForRoom(error.message || LAPTOP_FULL_FALLBACK);
        return;
      }
      this.#full = false;
      this.#retry(messageOf(error));
    }
  }

  /** No room for this viewer now: say so plainly (not a broken player) and try again in a while. */
  #waitForRoom(message: string): void {
    this.#reset();
    if (!this.#wantLive || this.#closed) return;
    this.#full = true;
    this.#set('full', message);
    const delay = backoffDelay(this.#fullAttempt++, FULL_RETRY);
    this.#retryTimer = setTimeout(() => void this.#play(), delay);
  }

  /** Autoplay muted; where even that is refused (iOS low-power mode), the button asks for a tap. */
  async #startPlayback(): Promise<void> {
    try {
      await this.#video.play();
    } catch {
      if (!this.#video.muted) {
        this.#video.muted = true;
        await this.#video.play().catch(() => undefined);
      }
    }
    this.#showUnmute();
  }

  readonly #onPlaying = (): void => {
    if (!this.#session || this.#session.state !== 'connected') return;
    this.#full = false;
    this.#fullAttempt = 0;
    this.#playingSince = Date.now();
    this.#set('playing', '');
    this.#showUnmute();
  };

  /** A tap anywhere on the picture does what the button says. */
  readonly #onVideoTap = (): void => {
    if (!this.#unmute.hidden) this.#onUnmute();
  };

  readonly #onUnmute = (): void => {
    this.#video.muted = false;
    void this.#video.play().catch(() => {
      this.#video.muted = true;
      void this.#video.play().catch(() => undefined);
    });
    this.#showUnmute();
  };

  #showUnmute(): void {
    const paused = this.#video.paused && this.#session !== undefined;
    this.#unmute.hidden = !(this.#video.muted || paused);
    const label = this.#unmute.querySelector('.unmute-label') ?? this.#unmute;
    label.textContent = paused ? 'Tap to play' : 'Tap to unmute';
  }

  #onPeerState(session: WhepSession, state: PeerState): void {
    if (session !== this.#session) return;
    if (state === 'connected') {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    } else if (state === 'disconnected') {
      this.#graceTimer ??= setTimeout(() => this.#retry('The connection dropped.'), DISCONNECTED_GRACE_MS);
    } else if (state === 'failed' || state === 'closed') {
      this.#retry('The connection was lost.');
    }
  }

  /** Ends the current session and plans a new one, later each time. */
  #retry(why: string): void {
    this.#reset();
    if (!this.#wantLive || this.#closed) return;
    if (this.#playingSince !== undefined && Date.now() - this.#playingSince > STABLE_MS) this.#attempt = 0;
    this.#playingSince = undefined;
    const delay = backoffDelay(this.#attempt++, RETRY_BACKOFF);
    this.#set('connecting', `${why} Reconnecting…`);
    this.#retryTimer = setTimeout(() => void this.#play(), delay);
  }

  /** Checks that frames keep coming while the page is looked at (hidden pages may pause video). */
  #startWatch(): void {
    clearInterval(this.#watchTimer);
    this.#lastFrames = framesDecoded(this.#video);
    this.#lastFrameAt = Date.now();
    this.#watchTimer = setInterval(() => {
      const frames = framesDecoded(this.#video);
      if (frames !== this.#lastFrames || document.visibilityState !== 'visible' || this.#video.paused || this.#interrupted) {
        this.#lastFrames = frames;
        this.#lastFrameAt = Date.now();
      } else if (Date.now() - this.#lastFrameAt > STALL_MS) {
        this.#retry('The picture froze.');
      }
    }, 2000);
  }

  /** No session, no timers; the video element shows nothing. */
  #reset(notifyNode = true): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#graceTimer);
    clearInterval(this.#watchTimer);
    this.#retryTimer = this.#graceTimer = this.#watchTimer = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (session) {
      this.#video.srcObject = null;
      void session.stop(notifyNode);
    }
    this.#unmute.hidden = true;
  }

  #set(state: ViewerState, note: string): void {
    this.#onState(state, note);
  }
}
