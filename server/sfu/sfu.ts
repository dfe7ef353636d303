import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../errors.js';
import { EMPTY_SET_INFO, type SetInfo } from '../../common/set-info.js';
import type { Status } from '../../common/api.js';
import type { PublicLocation } from '../../common/location.js';
import type { NegotiationOptions } from './negotiate.js';
import type { IceSettings } from './peer-config.js';
import { validateOffer } from './sdp.js';
import { Stage } from './stage.js';

export interface SfuOptions {
  ice: IceSettings;
  logger: Logger;
  /** Most viewer sessions at once; the next gets 503. */
  maxViewers?: number;
  /** A peer that has not connected by then is closed, ms. */
  connectTimeoutMs?: number;
  /** A connected peer that sends nothing for this long is closed, ms. */
  silenceTimeoutMs?: number;
}

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
  readonly #options: Required<SfuOptions>;
  readonly #negotiation: NegotiationOptions;
  #stage: Stage | undefined;
  /** What the busker prepared for the next set, or edits during the current one. */
  #info: SetInfo = EMPTY_SET_INFO;
  /** Where the busker plays, as viewers may see it (consented, already coarsened), or null. */
  #location: PublicLocation | null = null;
  #closed = false;

  constructor(options: SfuOptions) {
    super();
    this.#options = {
      ...options,
      maxViewers: options.maxViewers ?? 150,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 10_000,
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

  /** WHIP: starts a set from the publisher's offer. */
  async publish(offer: string): Promise<{ sessionId: string; answer: string }> {
    validateOffer(offer, 'publish');
    if (this.#stage && !this.#stage.closed) {
      throw new ConflictError(
        'Someone is already live on this laptop: only one set at a time. End that set first (in its studio or in OBS).',
        'already_live',
      );
    }
    const stage = new Stage({
      ice: this.#options.ice,
      negotiation: this.#negotiation,
      logger: this.#options.logger,
      info: this.#info,
      maxViewers: this.#options.maxViewers,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
    });
    this.#stage = stage;
    stage.on('live', () => {
      this.emit('stage-live', stage);
      this.emit('status');
    });
    stage.on('viewers', (count) => this.emit('viewers', count));
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

  /** WHIP DELETE: the busker ends the set. */
  endPublish(sessionId: string): void {
    const stage = this.#stage;
    if (!stage || stage.publisher.id !== sessionId) throw new NotFoundError('No such publishing session.');
    stage.close('ended by the publisher');
  }

  /** WHEP: a viewer joins the live set. */
  async play(offer: string): Promise<{ sessionId: string; answer: string }> {
    validateOffer(offer, 'play');
    const stage = this.#stage;
    if (!stage?.live) throw new NotFoundError('Nobody is live right now.', 'offline');
    const { viewer, answer } = await stage.addViewer(offer);
    return { sessionId: viewer.id, answer };
  }

  /** WHEP DELETE: a viewer leaves. */
  endPlay(sessionId: string): void {
    const viewer = this.#stage?.viewer(sessionId);
    if (!viewer) throw new NotFoundError('No such viewing session.');
    viewer.close('ended by the viewer');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stage?.close('node closing');
    this.#stage = undefined;
    this.removeAllListeners();
  }
}
