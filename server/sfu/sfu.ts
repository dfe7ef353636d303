import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { TokenBucket } from '../audience/token-bucket.js';
import { ConflictError, CurbcastError, NotFoundError } from '../errors.js';
import { EMPTY_SET_INFO, type SetInfo } from '../../common/set-info.js';
import type { Status } from '../../common/api.js';
import type { QualityPreference } from '../../common/quality.js';
import type { PublicLocation } from '../../common/location.js';
import type { NegotiationOptions } from './negotiate.js';
import type { IceSettings } from './peer-config.js';
import { validateOffer } from './sdp.js';
import { Stage, type SetTracks } from './stage.js';
import type { ForwardingPool } from './forwarding/forwarding-pool.js';
import { LocalViewerHost } from './forwarding/local-viewer-host.js';
import type { ViewerHost } from './forwarding/viewer-host.js';

export interface SfuOptions {
  ice: IceSettings;
  logger: Logger;
  /** Most viewer sessions at once; the next gets 503. */
  maxViewers?: number;
  /** A peer that has not connected by then is closed, ms. */
  connectTimeoutMs?: number;
  /** A connected peer that sends nothing for this long is closed, ms. */
  silenceTimeoutMs?: number;
  /** How long a live set whose publisher was lost waits for a new WHIP session, ms. */
  reconnectGraceMs?: number;
  /** Forwarding threads for the viewers; undefined: viewers run on this thread. */
  forwarding?: ForwardingPool | undefined;
}

/** WHIP attempts (with a valid token) allowed at once, then one per interval: no reconnect storm. */
const PUBLISH_BURST = 6;
const PUBLISH_REFILL_MS = 2000;

type SfuEvents = {
  /** Anything in `status()` other than the viewer count changed. */
  status: [];
  viewers: [count: number];
  /** A set went live: its publisher's media flows (the recorder starts here). */
  'stage-live': [stage: Stage];
  /** A set that had gone live ended, for any reason. */
  'stage-ended': [stage: Stage, reason: string];
};

/**
 * The node's media heart: at most one Stage (live set) at a time. Sessions are addressed by the
 * ids handed out in WHIP/WHEP `Location` headers.
 */
export class Sfu extends EventEmitter<SfuEvents> {
  readonly #options: Required<Omit<SfuOptions, 'forwarding'>> & Pick<SfuOptions, 'forwarding'>;
  readonly #negotiation: NegotiationOptions;
  #stage: Stage | undefined;
  /** What the busker prepared for the next set, or edits during the current one. */
  #info: SetInfo = EMPTY_SET_INFO;
  /** Where the busker plays, as viewers may see it (consented, already coarsened), or null. */
  #location: PublicLocation | null = null;
  #closed = false;
  readonly #publishAttempts = new TokenBucket(PUBLISH_BURST, PUBLISH_REFILL_MS);

  constructor(options: SfuOptions) {
    super();
    this.#options = {
      ...options,
      maxViewers: options.maxViewers ?? 150,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 10_000,
      reconnectGraceMs: options.reconnectGraceMs ?? 30_000,
    };
    this.#negotiation = { candidateAddresses: options.ice.hostAddresses };
  }

  get stage(): Stage | undefined {
    return this.#stage;
  }

  status(): Status {
    const stage = this.#stage?.live ? this.#stage : undefined;
    return {
      live: stage !== undefined,
      viewers: stage?.viewerCount ?? 0,
      set: this.#info,
      startedAt: stage?.startedAt ?? null,
      interrupted: stage?.interrupted ?? false,
      // Only while live: the busker agreed to say where they play during this set, not where they are.
      location: stage ? this.#location : null,
    };
  }

  setInfo(info: SetInfo): void {
    this.#info = info;
    if (this.#stage) this.#stage.info = info;
    this.emit('status');
  }

  /** The consented location for the current (or next) set; null withdraws it at once. */
  setLocation(location: PublicLocation | null): void {
    this.#location = location;
    this.emit('status');
  }

  /**
   * WHIP: starts a set from the publisher's offer — or continues the live one, when its publisher
   * was lost (any valid session may take over then) or when `resumeId` names the current session
   * (the studio reconnecting before the node noticed the loss).
   */
  async publish(offer: string, resumeId?: string): Promise<{ sessionId: string; answer: string }> {
    validateOffer(offer, 'publish');
    this.#refuseIfClosed();
    const wait = this.#publishAttempts.take();
    if (wait > 0) {
      throw new CurbcastError(429, 'slow_down', `Too many attempts to go live in a row; try again in ${Math.ceil(wait / 1000)} s.`);
    }
    const current = this.#stage;
    if (current && !current.closed) {
      const mayResume = current.live && (current.interrupted || (resumeId !== undefined && resumeId === current.publisher.id));
      if (!mayResume) {
        throw new ConflictError(
          'Someone is already live on this laptop: only one set at a time. End that set first (in its studio or in OBS).',
          'already_live',
        );
      }
      const answer = await current.resume(offer);
      return { sessionId: current.publisher.id, answer };
    }
    const stage = new Stage({
      ice: this.#options.ice,
      negotiation: this.#negotiation,
      logger: this.#options.logger,
      info: this.#info,
      maxViewers: this.#options.maxViewers,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
      graceMs: this.#options.reconnectGraceMs,
      hostViewers: (set) => this.#hostViewers(set),
    });
    this.#stage = stage;
    stage.on('live', () => {
      this.emit('stage-live', stage);
      this.emit('status');
    });
    stage.on('viewers', (count) => this.emit('viewers', count));
    stage.on('interrupted', () => this.emit('status'));
    stage.on('resumed', () => this.emit('status'));
    stage.on('close', (reason) => {
      if (this.#stage === stage) this.#stage = undefined;
      if (stage.wasLive) this.emit('stage-ended', stage, reason);
      this.emit('status');
    });
    try {
      const answer = await stage.start(offer);
      return { sessionId: stage.publisher.id, answer };
    } catch (error) {
      stage.close('negotiation failed');
      throw error;
    }
  }

  /**
   * WHIP DELETE: the busker ends the set — with the current session, or with an earlier one of
   * this set while it waits for its publisher (End set pressed while reconnecting). A session
   * replaced by a working one ends nothing.
   */
  endPublish(sessionId: string): void {
    const stage = this.#stage;
    const current = stage?.publisher.id === sessionId;
    if (!stage || !stage.owns(sessionId) || (!current && !stage.interrupted)) throw new NotFoundError('No such publishing session.');
    stage.close('ended by the publisher');
  }

  /** WHEP: a viewer joins the live set. */
  async play(offer: string): Promise<{ sessionId: string; answer: string }> {
    validateOffer(offer, 'play');
    this.#refuseIfClosed();
    const stage = this.#stage;
    if (!stage?.live) throw new NotFoundError('Nobody is live right now.', 'offline');
    const { viewer, answer } = await stage.addViewer(offer);
    return { sessionId: viewer.id, answer };
  }

  /** WHEP layer extension: the viewer's Auto / High / Medium / Low. */
  preferQuality(sessionId: string, preference: QualityPreference): void {
    if (!this.#stage?.preferQuality(sessionId, preference)) throw new NotFoundError('No such viewing session.');
  }

  /** WHEP DELETE: a viewer leaves. */
  endPlay(sessionId: string): void {
    const viewer = this.#stage?.viewer(sessionId);
    if (!viewer) throw new NotFoundError('No such viewing session.');
    viewer.close('ended by the viewer');
  }

  /** The viewers of a set that went live: on the forwarding threads, or on this one. */
  #hostViewers(set: SetTracks): ViewerHost {
    const peers = {
      ice: this.#options.ice,
      negotiation: this.#negotiation,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
    };
    const forwarding = this.#options.forwarding;
    if (forwarding) return forwarding.host(set, peers);
    return new LocalViewerHost({ ...set, ...peers, logger: this.#options.logger });
  }

  /** Where viewers run: how many forwarding threads (0: this thread). */
  get forwarding(): ForwardingPool | undefined {
    return this.#options.forwarding;
  }

  #refuseIfClosed(): void {
    if (this.#closed) throw new CurbcastError(503, 'closing', 'The node is shutting down; try again in a moment.');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stage?.close('node closing');
    this.#stage = undefined;
    this.removeAllListeners();
  }
}
