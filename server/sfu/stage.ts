import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CurbcastError, InvalidStateError, NotFoundError } from '../errors.js';
import type { SetInfo } from '../../common/set-info.js';
import type { NegotiationOptions } from './negotiate.js';
import type { IceSettings } from './peer-config.js';
import { Publisher } from './publisher.js';
import { StageTrack } from './stage-track.js';
import type { MediaKind, TrackSource } from './track.js';
import { Viewer } from './viewer.js';

export interface StageOptions {
  ice: IceSettings;
  negotiation: NegotiationOptions;
  logger: Logger;
  info: SetInfo;
  maxViewers: number;
  connectTimeoutMs: number;
  silenceTimeoutMs: number;
  /** How long a set whose publisher was lost waits for it to come back before it ends, ms. */
  graceMs: number;
}

type StageEvents = {
  /** The publisher is connected and its media flows: viewers may join. */
  live: [];
  viewers: [count: number];
  /** The publisher's connection was lost: the set waits (graceMs) for a new WHIP session. */
  interrupted: [];
  /** A new WHIP session took over and its media flows: viewers pick it up at the next keyframe. */
  resumed: [];
  /** The stage ended (publisher left, failed, or the node is closing); emitted once. */
  close: [reason: string];
};

/**
 * One live set: one publisher at a time and the viewers fed from it. Viewers and the recorder
 * take the set's StageTracks, not the publisher's, so when the busker's connection is lost the
 * set waits `graceMs` for a new WHIP session and carries on with it: same set, same viewers'
 * sessions, same recording. The Stage owns its viewers; a viewer that closes itself is dropped
 * here (and only here) through its `close` event.
 */
export class Stage extends EventEmitter<StageEvents> {
  readonly startedAt = Date.now();
  info: SetInfo;
  readonly #viewers = new Map<string, Viewer>();
  readonly #options: StageOptions;
  #publisher: Publisher;
  /** Every WHIP session that published this set: the current one and those it replaced. */
  readonly #publisherIds = new Set<string>();
  readonly #tracks = new Map<MediaKind, StageTrack>();
  #graceTimer: NodeJS.Timeout | undefined;
  #interrupted = false;
  #live = false;
  #wasLive = false;
  #closed = false;

  constructor(options: StageOptions) {
    super();
    this.#options = options;
    this.info = options.info;
    this.#publisher = this.#newPublisher();
  }

  /** The current WHIP session's peer. */
  get publisher(): Publisher {
    return this.#publisher;
  }

  get live(): boolean {
    return this.#live;
  }

  /** Live, but the publisher's connection is lost and the set is waiting for it to come back. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** The set's track of that kind, as viewers and the recorder receive it (once live). */
  source(kind: MediaKind): TrackSource | undefined {
    return this.#tracks.get(kind);
  }

  /** Whether `sessionId` published this set, now or before a reconnection. */
  owns(sessionId: string): boolean {
    return this.#publisherIds.has(sessionId);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this stage ever went live (a set that failed to connect never did). */
  get wasLive(): boolean {
    return this.#wasLive;
  }

  /** Viewers whose media is flowing (what the audience sees as "N watching"). */
  get viewerCount(): number {
    let count = 0;
    for (const viewer of this.#viewers.values()) if (viewer.connected) count++;
    return count;
  }

  /** Every viewer session, connected or still negotiating. */
  get sessionCount(): number {
    return this.#viewers.size;
  }

  async start(offer: string): Promise<string> {
    return this.#publisher.accept(offer, this.#options.negotiation);
  }

  /**
   * A new WHIP session for this live set: the busker is back after a lost connection, or the
   * studio reconnects before the node noticed the loss. The old session is dropped at once; the
   * new one's tracks continue the set's once its media flows (until then the set is interrupted,
   * and the grace period already running is not extended).
   */
  async resume(offer: string): Promise<string> {
    if (this.#closed || !this.#wasLive) throw new InvalidStateError('no live set to resume');
    const old = this.#publisher;
    this.#publisher = this.#newPublisher();
    old.close('replaced by a new session');
    this.#interrupt('replaced by a new session');
    const publisher = this.#publisher;
    this.#options.logger.info({ old: old.id, publisher: publisher.id }, 'publisher reconnecting');
    try {
      return await publisher.accept(offer, this.#options.negotiation);
    } catch (error) {
      // An offer that cannot be answered must not hold a peer until the grace period ends.
      publisher.close('negotiation failed');
      throw error;
    }
  }

  async addViewer(offer: string): Promise<{ viewer: Viewer; answer: string }> {
    if (!this.#live) throw new NotFoundError('Nobody is live right now.', 'offline');
    if (this.#viewers.size >= this.#options.maxViewers) {
      throw new CurbcastError(503, 'full', 'This set has as many viewers as the laptop can serve; try again soon.');
    }
    const viewer = new Viewer({
      ice: this.#options.ice,
      logger: this.#options.logger,
      sources: { audio: this.#tracks.get('audio'), video: this.#tracks.get('video') },
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
    });
    this.#viewers.set(viewer.id, viewer);
    viewer.on('connected', () => this.emit('viewers', this.viewerCount));
    viewer.on('close', () => {
      this.#viewers.delete(viewer.id);
      this.emit('viewers', this.viewerCount);
    });
    try {
      const answer = await viewer.accept(offer, this.#options.negotiation);
      return { viewer, answer };
    } catch (error) {
      viewer.close('negotiation failed');
      throw error;
    }
  }

  viewer(id: string): Viewer | undefined {
    return this.#viewers.get(id);
  }

  close(reason = 'ended'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    this.#interrupted = false;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    for (const viewer of [...this.#viewers.values()]) viewer.close('set ended');
    this.#viewers.clear();
    this.#publisher.close(reason);
    for (const track of this.#tracks.values()) track.close();
    this.#tracks.clear();
    this.#options.logger.info({ reason }, 'stage closed');
    this.emit('close', reason);
    this.removeAllListeners();
  }

  #newPublisher(): Publisher {
    const publisher = new Publisher({
      ice: this.#options.ice,
      logger: this.#options.logger,
      targetBitrate: 2_500_000,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
    });
    this.#publisherIds.add(publisher.id);
    publisher.on('ready', () => this.#onPublisherUp(publisher));
    publisher.on('connected', () => this.#onPublisherUp(publisher));
    publisher.on('close', (reason) => this.#onPublisherClosed(publisher, reason));
    return publisher;
  }

  /** Connected with all its tracks: the set goes live, or carries on after an interruption. */
  #onPublisherUp(publisher: Publisher): void {
    if (publisher !== this.#publisher || this.#closed) return;
    if (!publisher.connected || !publisher.ready) return;
    if (!this.#wasLive) {
      for (const kind of ['audio', 'video'] as const) {
        const source = publisher.source(kind);
        if (!source) continue;
        const track = new StageTrack(kind, source.codec);
        track.attach(source);
        this.#tracks.set(kind, track);
      }
      this.#live = true;
      this.#wasLive = true;
      this.emit('live');
      return;
    }
    if (!this.#interrupted) return;
    for (const track of this.#tracks.values()) {
      const source = publisher.source(track.kind);
      if (source && !track.accepts(source)) {
        // Viewers negotiated the old codec: they cannot follow (another browser or encoder came back).
        this.close(`the new session sends ${source.codec.mimeType}, not ${track.codec.mimeType}`);
        return;
      }
    }
    for (const track of this.#tracks.values()) {
      const source = publisher.source(track.kind);
      if (source) track.attach(source);
    }
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#interrupted = false;
    this.#options.logger.info({ publisher: publisher.id }, 'publisher back');
    this.emit('resumed');
  }

  /** A set that never went live ends with its publisher; a live one waits for it to come back. */
  #onPublisherClosed(publisher: Publisher, reason: string): void {
    if (publisher !== this.#publisher || this.#closed) return;
    if (!this.#wasLive) this.close(`publisher ${reason}`);
    else this.#interrupt(reason);
  }

  #interrupt(reason: string): void {
    if (this.#closed) return;
    for (const track of this.#tracks.values()) track.detach();
    if (!this.#interrupted) {
      this.#interrupted = true;
      this.#options.logger.warn({ reason, graceMs: this.#options.graceMs }, 'publisher lost; waiting for it to come back');
      this.emit('interrupted');
    }
    this.#graceTimer ??= setTimeout(() => this.close(`publisher lost (${reason})`), this.#options.graceMs);
  }
}
