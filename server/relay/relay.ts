import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { relayTarget, type RelayAnswer, type RelaySettings, type RelaySettingsInput, type RelayState } from '../../common/relay.js';
import type { WritableDB } from '../library/database.js';
import { readRelaySettings, writeRelaySettings } from '../library/relay-settings.js';
import type { MediaKind, TrackSource } from '../sfu/track.js';
import { RELAY_BACKOFF, relayRetryDelay, type RelayBackoff } from './backoff.js';
import { RelayError } from './relay-error.js';
import type { RelayNetwork } from './relay-peer.js';
import { WhipSession, type RelaySession, type WhipSessionOptions, type WhipTimeouts } from './whip-client.js';

/** A live set as the relay sees it: its tracks (server/sfu/stage.ts's Stage). */
export interface LiveSet {
  readonly live: boolean;
  source(kind: MediaKind): TrackSource | undefined;
}

/** What the relay needs of the SFU (server/sfu/sfu.ts): the current set, and when sets go live and end. */
export interface LiveSets {
  readonly stage: LiveSet | undefined;
  on(event: 'stage-live', listener: (stage: LiveSet) => void): unknown;
  on(event: 'stage-ended', listener: (stage: LiveSet, reason: string) => void): unknown;
  off(event: 'stage-live', listener: (stage: LiveSet) => void): unknown;
  off(event: 'stage-ended', listener: (stage: LiveSet, reason: string) => void): unknown;
}

export interface RelayOptions {
  sets: LiveSets;
  db: WritableDB;
  network: RelayNetwork;
  /** The busker's STUN servers (stun: URLs) at the time of an attempt; the first is used. */
  stunUrls: () => readonly string[];
  logger: Logger;
  backoff?: Partial<RelayBackoff>;
  timeouts?: Partial<WhipTimeouts>;
  /** Tests pass a fake session. */
  openSession?: (options: WhipSessionOptions) => RelaySession;
  random?: () => number;
}

type RelayEvents = {
  state: [state: RelayState];
};

/**
 * "Also publish to": relays each live set to the busker's WHIP target. One session at a time,
 * opened when a set goes live (or when the busker enables the relay during one), retried with
 * backoff when it fails, closed (DELETE) when the set ends or the settings change. A refusal that
 * retrying cannot fix (wrong token, no such endpoint) stops the retries until the settings change
 * or the next set.
 *
 * The relay is a sink of the set like a viewer: it never touches the publisher, the viewers or the
 * recording, and nothing it does throws into the SFU's emitters.
 */
export class Relay extends EventEmitter<RelayEvents> {
  readonly #options: RelayOptions;
  readonly #backoff: RelayBackoff;
  #settings: RelaySettings;
  #state: RelayState = { kind: 'off' };
  /** The set being relayed (live), if any. */
  #set: LiveSet | undefined;
  #session: RelaySession | undefined;
  /** When the current session connected. */
  #liveSince: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** The target refused in a way retrying cannot fix. */
  #refused = false;
  /** Sessions still saying goodbye (DELETE in flight): close() waits for them. */
  readonly #closing = new Set<Promise<void>>();
  #closed = false;

  constructor(options: RelayOptions) {
    super();
    this.#options = options;
    this.#backoff = { ...RELAY_BACKOFF, ...options.backoff };
    this.#settings = readRelaySettings(options.db);
    options.sets.on('stage-live', this.#onSetLive);
    options.sets.on('stage-ended', this.#onSetEnded);
    const current = options.sets.stage;
    if (current?.live) this.#set = current;
    this.#apply();
  }

  get state(): RelayState {
    return this.#state;
  }

  /** What the studio may see: the settings without the token, and the state. */
  view(): RelayAnswer {
    const { enabled, url, token } = this.#settings;
    return { settings: { enabled, url, hasToken: token !== undefined && token !== '' }, state: this.#state };
  }

  /** Saves new settings and applies them at once: a live relay restarts with them. */
  configure(input: RelaySettingsInput): RelayAnswer {
    const token = input.token === undefined ? this.#settings.token : input.token === '' ? undefined : input.token;
    const settings: RelaySettings = { enabled: input.enabled, url: input.url, ...(token ? { token } : {}) };
    writeRelaySettings(this.#options.db, settings);
    this.#settings = settings;
    this.#stop();
    this.#attempt = 0;
    this.#refused = false;
    this.#apply();
    return this.view();
  }

  /** Node shutdown: the session is closed (DELETE sent) and nothing is left behind. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.sets.off('stage-live', this.#onSetLive);
    this.#options.sets.off('stage-ended', this.#onSetEnded);
    this.#stop();
    this.#set = undefined;
    await Promise.all([...this.#closing]);
    this.removeAllListeners();
  }

  readonly #onSetLive = (stage: LiveSet): void => {
    this.#guard('stage-live', () => {
      this.#stop();
      this.#set = stage;
      this.#attempt = 0;
      this.#refused = false;
      this.#apply();
    });
  };

  readonly #onSetEnded = (stage: LiveSet): void => {
    this.#guard('stage-ended', () => {
      if (stage !== this.#set) return;
      this.#set = undefined;
      this.#stop();
      this.#attempt = 0;
      this.#refused = false;
      this.#apply();
    });
  };

  /** Brings the session in line with the settings and the set. */
  #apply(): void {
    if (this.#closed) return;
    if (!this.#settings.enabled) {
      this.#stop();
      this.#setState({ kind: 'off' });
      return;
    }
    if (!this.#set) {
      this.#stop();
      this.#setState({ kind: 'waiting' });
      return;
    }
    if (this.#refused || this.#session || this.#retryTimer) return;
    this.#connect(this.#set);
  }

  #connect(set: LiveSet): void {
    const { url, token } = this.#settings;
    const target = relayTarget(url);
    const stun = this.#options.stunUrls().find((candidate) => /^stun:/i.test(candidate));
    const sessionOptions: WhipSessionOptions = {
      url,
      token,
      sources: { audio: set.source('audio'), video: set.source('video') },
      network: this.#options.network,
      stunUrl: stun,
      logger: this.#options.logger,
      timeouts: this.#options.timeouts,
    };
    const session = (this.#options.openSession ?? ((o) => new WhipSession(o)))(sessionOptions);
    this.#session = session;
    this.#liveSince = undefined;
    this.#setState({ kind: 'connecting', target });
    session.on('connected', () =>
      this.#guard('connected', () => {
        if (this.#session !== session) return;
        this.#liveSince = Date.now();
        this.#setState({ kind: 'live', target, since: this.#liveSince });
      }),
    );
    session.on('ended', (reason) =>
      this.#guard('ended', () => {
        if (this.#session !== session) return;
        const heldMs = this.#liveSince === undefined ? 0 : Date.now() - this.#liveSince;
        this.#dropSession();
        this.#retryLater(target, reason, 0, heldMs);
      }),
    );
    session.start().catch((error: unknown) =>
      this.#guard('start', () => {
        if (this.#session !== session) return;
        this.#dropSession();
        const failure = error instanceof RelayError ? error : new RelayError(`Could not start: ${String(error)}`, true);
        if (failure.retryable) {
          this.#retryLater(target, failure.message, failure.retryAfterMs);
          return;
        }
        this.#refused = true;
        this.#options.logger.warn({ target, reason: failure.message }, 'relay refused; not retrying');
        this.#setState({ kind: 'failed', target, reason: failure.message });
      }),
    );
  }

  /** `heldMs`: how long the session that just ended had been live. */
  #retryLater(target: string, reason: string, atLeastMs = 0, heldMs = 0): void {
    // A session that held for a while was a success: the next loss starts the schedule over.
    if (heldMs >= this.#backoff.resetAfterMs) this.#attempt = 0;
    const delay = Math.max(atLeastMs, relayRetryDelay(this.#attempt++, this.#backoff, this.#options.random));
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#guard('retry', () => this.#apply());
    }, delay);
    this.#options.logger.info({ target, reason, delayMs: Math.round(delay) }, 'relay retrying');
    this.#setState({ kind: 'retrying', target, reason, retryAt: Date.now() + Math.round(delay) });
  }

  /** No session and no retry pending (the state is the caller's to set). */
  #stop(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#dropSession();
  }

  #dropSession(): void {
    const session = this.#session;
    this.#session = undefined;
    this.#liveSince = undefined;
    if (!session) return;
    const closing = session
      .close()
      .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'relay session close failed'))
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  #setState(state: RelayState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return;
    this.#state = state;
    this.#guard('state listener', () => this.emit('state', state));
  }

  /** Nothing the relay does may throw into the SFU's emitters or werift's callbacks. */
  #guard(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#options.logger.error({ err: error, what }, 'relay error');
    }
  }
}
