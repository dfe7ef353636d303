import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CurbcastError, InvalidStateError, NotFoundError } from '../errors.js';
import type { SetInfo } from '../../common/set-info.js';
import type { NegotiationOptions } from './negotiate.js';
import type { IceSettings } from './peer-config.js';
import type { QualityPreference } from '../../common/quality.js';
import { LayerSwitch } from './layer-switch.js';
import { Publisher } from './publisher.js';
import { StageTrack } from './stage-track.js';
import type { MediaKind, TrackSource } from './track.js';
import { VideoLayers } from './video-layers.js';
import type { ViewerHost, ViewerSession } from './forwarding/viewer-host.js';

/** How often layers are measured and each viewer's layer is chosen, ms. */
const LAYER_TICK_MS = 250;

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
  /** Where the set's viewers will run, once it is live (this thread, or forwarding threads). */
  hostViewers: (set: SetTracks) => ViewerHost;
}

/** What a viewer host serves: the set's tracks, and whom to tell when the viewer count changes. */
export interface SetTracks {
  audio: StageTrack | undefined;
  video: VideoLayers | undefined;
  onViewersChanged: () => void;
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
  /** The set's viewers; created when the set goes live. */
  #viewers: ViewerHost | undefined;
  readonly #options: StageOptions;
  #publisher: Publisher;
  /** Every WHIP session that published this set: the current one and those it replaced. */
  readonly #publisherIds = new Set<string>();
  #audio: StageTrack | undefined;
  #video: VideoLayers | undefined;
  /** The best layer as one stream: what the recorder and the relay take. */
  #bestVideo: LayerSwitch | undefined;
  #layerTimer: NodeJS.Timeout | undefined;
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

  /**
   * The set's track of that kind (once live), as the recorder and the relay take it: for video,
   * the best simulcast layer that flows (viewers each get their own choice of layer).
   */
  source(kind: MediaKind): TrackSource | undefined {
    return kind === 'audio' ? this.#audio : this.#bestVideo;
  }

  /** The simulcast layers (one when the publisher sends no simulcast), once live. */
  get videoLayers(): VideoLayers | undefined {
    return this.#video;
  }

  /** A viewer's layer choice (WHEP layer extension); false for an unknown session. */
  preferQuality(viewerId: string, preference: QualityPreference): boolean {
    return this.#viewers?.prefer(viewerId, preference) ?? false;
  }

  /** Which layer each viewer is sent now, by viewer session (diagnostics and tests). */
  viewerLayers(): Map<string, string | undefined> {
    return this.#viewers?.viewerLayers() ?? new Map();
  }

  /** Sessions by forwarding thread index (empty with no threads, or no set). */
  sessionsByThread(): Map<number, number> {
    return this.#viewers?.sessionsByThread() ?? new Map();
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
    return this.#viewers?.viewerCount ?? 0;
  }

  /** Every viewer session, connected or still negotiating. */
  get sessionCount(): number {
    return this.#viewers?.sessionCount ?? 0;
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

  async addViewer(offer: string): Promise<{ viewer: ViewerSession; answer: string }> {
    const viewers = this.#viewers;
    if (!this.#live || !viewers) throw new NotFoundError('Nobody is live right now.', 'offline');
    if (viewers.sessionCount >= this.#options.maxViewers) {
      throw new CurbcastError(503, 'full', 'This set has as many viewers as the laptop can serve; try again soon.');
    }
    return viewers.open(offer);
  }

  viewer(id: string): ViewerSession | undefined {
    return this.#viewers?.viewer(id);
  }

  close(reason = 'ended'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    this.#interrupted = false;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    clearInterval(this.#layerTimer);
    this.#layerTimer = undefined;
    this.#viewers?.close('set ended');
    this.#publisher.close(reason);
    this.#bestVideo?.close();
    this.#video?.close();
    this.#audio?.close();
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
    publisher.on('layer', (id, source) => {
      if (publisher === this.#publisher && !this.#interrupted && this.#video?.accepts(source)) this.#video.attach(id, source);
    });
    publisher.on('close', (reason) => this.#onPublisherClosed(publisher, reason));
    return publisher;
  }

  /** Connected with all its tracks: the set goes live, or carries on after an interruption. */
  #onPublisherUp(publisher: Publisher): void {
    if (publisher !== this.#publisher || this.#closed) return;
    if (!publisher.connected || !publisher.ready) return;
    if (!this.#wasLive) {
      this.#takeTracks(publisher);
      this.#hostViewers();
      this.#live = true;
      this.#wasLive = true;
      this.#layerTimer = setInterval(() => this.#tickLayers(), LAYER_TICK_MS);
      this.emit('live');
      return;
    }
    if (!this.#interrupted) return;
    // Viewers negotiated the old codecs: they cannot follow another (another browser or encoder came back).
    const mismatch = this.#codecMismatch(publisher);
    if (mismatch) {
      this.close(mismatch);
      return;
    }
    if (publisher.audio) this.#audio?.attach(publisher.audio);
    for (const [id, layer] of publisher.videoLayers) this.#video?.attach(id, layer);
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

  /** The first publisher's tracks become the set's. */
  #takeTracks(publisher: Publisher): void {
    if (publisher.audio) {
      this.#audio = new StageTrack('audio', publisher.audio.codec);
      this.#audio.attach(publisher.audio);
    }
    const first = publisher.videoLayers.values().next().value;
    if (!first) return;
    this.#video = new VideoLayers(first.codec);
    for (const [id, layer] of publisher.videoLayers) this.#video.attach(id, layer);
    this.#bestVideo = new LayerSwitch(first.codec, this.#video.top);
  }

  #hostViewers(): void {
    this.#viewers = this.#options.hostViewers({
      audio: this.#audio,
      video: this.#video,
      onViewersChanged: () => this.emit('viewers', this.viewerCount),
    });
  }

  #codecMismatch(publisher: Publisher): string | undefined {
    const audio = publisher.audio;
    if (audio && this.#audio && !this.#audio.accepts(audio)) return `the new session sends ${audio.codec.mimeType}, not ${this.#audio.codec.mimeType}`;
    for (const layer of publisher.videoLayers.values()) {
      if (this.#video && !this.#video.accepts(layer)) return `the new session sends ${layer.codec.mimeType}, not ${this.#video.codec.mimeType}`;
    }
    return undefined;
  }

  /** Measures the layers, keeps the recorder on the best one and lets each viewer's selector choose. */
  #tickLayers(): void {
    const video = this.#video;
    if (!video) return;
    const now = Date.now();
    video.tick(now);
    const best = video.top;
    const recorded = this.#bestVideo;
    if (best && recorded && best.id !== recorded.layer && best.id !== recorded.pendingLayer) {
      this.#options.logger.debug({ from: recorded.layer, to: best.id }, 'recorded layer: switching');
    }
    if (best) recorded?.switchTo(best);
    recorded?.nudge(now);
    this.#viewers?.tick(now);
  }

  #interrupt(reason: string): void {
    if (this.#closed) return;
    this.#audio?.detach();
    this.#video?.detach();
    if (!this.#interrupted) {
      this.#interrupted = true;
      this.#options.logger.warn({ reason, graceMs: this.#options.graceMs }, 'publisher lost; waiting for it to come back');
      this.emit('interrupted');
    }
    this.#graceTimer ??= setTimeout(() => this.close(`publisher lost (${reason})`), this.#options.graceMs);
  }
}
