import type { Logger } from 'pino';
import type { QualityPreference } from '../../../common/quality.js';
import { LayerSelector } from '../layer-selector.js';
import type { NegotiationOptions } from '../negotiate.js';
import type { IceSettings } from '../peer-config.js';
import type { TrackSource } from '../track.js';
import type { LayerSet } from '../video-layers.js';
import { Viewer } from '../viewer.js';
import type { ViewerHost, ViewerHostEvents } from './viewer-host.js';

export interface LocalViewerHostOptions extends ViewerHostEvents {
  ice: IceSettings;
  negotiation: NegotiationOptions;
  logger: Logger;
  connectTimeoutMs: number;
  silenceTimeoutMs: number;
  /** The set's audio, and its video layers (each viewer gets a selector over them). */
  audio: TrackSource | undefined;
  video: LayerSet | undefined;
}

/**
 * Viewers on this thread: a werift peer and a LayerSelector per session. Used by the stage when
 * forwarding runs on the main thread (`--forwarding-threads 0`), and inside each forwarding thread.
 * A viewer that closes itself (timeout, silence, ICE failure) is dropped here through its `close`.
 */
export class LocalViewerHost implements ViewerHost {
  readonly #options: LocalViewerHostOptions;
  readonly #viewers = new Map<string, Viewer>();
  readonly #selectors = new Map<string, LayerSelector>();

  constructor(options: LocalViewerHostOptions) {
    this.#options = options;
  }

  get sessionCount(): number {
    return this.#viewers.size;
  }

  get viewerCount(): number {
    let count = 0;
    for (const viewer of this.#viewers.values()) if (viewer.connected) count++;
    return count;
  }

  /** `id`: the session id to use (a forwarding thread takes the one the main thread handed out). */
  async open(offer: string, id?: string): Promise<{ viewer: Viewer; answer: string }> {
    const { audio, video } = this.#options;
    const selector = video ? new LayerSelector(video) : undefined;
    const viewer = new Viewer({
      id,
      ice: this.#options.ice,
      logger: this.#options.logger,
      sources: { audio, video: selector?.source },
      connectTimeoutMs: this.#options.connectTimeoutMs,
      silenceTimeoutMs: this.#options.silenceTimeoutMs,
      onVideoFeedback: (feedback) => selector?.onFeedback(feedback),
    });
    this.#viewers.set(viewer.id, viewer);
    if (selector) this.#selectors.set(viewer.id, selector);
    viewer.on('connected', () => this.#options.onViewersChanged());
    viewer.on('close', () => {
      this.#viewers.delete(viewer.id);
      this.#selectors.delete(viewer.id);
      selector?.close();
      this.#options.onViewersChanged();
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

  prefer(viewerId: string, preference: QualityPreference): boolean {
    const selector = this.#selectors.get(viewerId);
    if (!selector) return false;
    selector.prefer(preference);
    return true;
  }

  viewerLayers(): Map<string, string | undefined> {
    return new Map([...this.#selectors].map(([id, selector]) => [id, selector.source.layer]));
  }

  sessionsByThread(): Map<number, number> {
    return new Map();
  }

  tick(now: number): void {
    for (const selector of this.#selectors.values()) selector.tick(now);
  }

  close(reason: string): void {
    for (const viewer of [...this.#viewers.values()]) viewer.close(reason);
    this.#viewers.clear();
    this.#selectors.clear();
  }
}
