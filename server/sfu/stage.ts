import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CurbcastError, NotFoundError } from '../errors.js';
import type { SetInfo } from '../../common/set-info.js';
import type { NegotiationOptions } from './negotiate.js';
import type { IceSettings } from './peer-config.js';
import { Publisher } from './publisher.js';
import { Viewer } from './viewer.js';

export interface StageOptions {
  ice: IceSettings;
  negotiation: NegotiationOptions;
  logger: Logger;
  info: SetInfo;
  maxViewers: number;
  connectTimeoutMs: number;
  silenceTimeoutMs: number;
}

type StageEvents = {
  /** The publisher is connected and its media flows: viewers may join. */
  live: [];
  viewers: [count: number];
  /** The stage ended (publisher left, failed, or the node is closing); emitted once. */
  close: [reason: string];
};

/**
 * One live set: one publisher and the viewers fed from it. The Stage owns its viewers; a viewer
 * that closes itself is dropped here (and only here) through its `close` event.
 */
export class Stage extends EventEmitter<StageEvents> {
  readonly publisher: Publisher;
  readonly startedAt = Date.now();
  info: SetInfo;
  readonly #viewers = new Map<string, Viewer>();
  readonly #options: StageOptions;
  #live = false;
  #wasLive = false;
  #closed = false;

  constructor(options: StageOptions) {
    super();
    this.#options = options;
    this.info = options.info;
    this.publisher = new Publisher({
      ice: options.ice,
      logger: options.logger,
      targetBitrate: 2_500_000,
      connectTimeoutMs: options.connectTimeoutMs,
      silenceTimeoutMs: options.silenceTimeoutMs,
    });
    this.publisher.on('ready', () => this.#maybeLive());
    this.publisher.on('connected', () => this.#maybeLive());
    this.publisher.on('close', (reason) => this.close(`publisher ${reason}`));
  }

  get live(): boolean {
    return this.#live;
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
    const answer = await this.publisher.accept(offer, this.#options.negotiation);
    return answer;
  }

  async addViewer(offer: string): Promise<{ viewer: Viewer; answer: string }> {
    if (!this.#live) throw new NotFoundError('Nobody is live right now.', 'offline');
    if (this.#viewers.size >= this.#options.maxViewers) {
      throw new CurbcastError(503, 'full', 'This set has as many viewers as the laptop can serve; try again soon.');
    }
    const viewer = new Viewer({
      ice: this.#options.ice,
      logger: this.#options.logger,
      sources: { audio: this.publisher.source('audio'), video: this.publisher.source('video') },
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
    for (const viewer of [...this.#viewers.values()]) viewer.close('set ended');
    this.#viewers.clear();
    this.publisher.close(reason);
    this.#options.logger.info({ reason }, 'stage closed');
    this.emit('close', reason);
    this.removeAllListeners();
  }

  #maybeLive(): void {
    if (this.#live || this.#closed) return;
    if (!this.publisher.connected || !this.publisher.ready) return;
    this.#live = true;
    this.#wasLive = true;
    this.emit('live');
  }
}
