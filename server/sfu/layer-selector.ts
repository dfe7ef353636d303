import type { QualityPreference } from '../../common/quality.js';
import { LayerPolicy } from './layer-policy.js';
import { LayerSwitch } from './layer-switch.js';
import type { ChoosableLayer, LayerSet } from './video-layers.js';

/**
 * What a viewer's browser reports about its link (from its RTCP receiver reports). Its REMB is
 * not used: Chromium's receive-side estimate starts low and climbs for many seconds after every
 * step up, and taking it at its word sent every viewer down (measured; see layer-policy.ts).
 */
export interface LinkFeedback {
  /** A receiver report's cumulative packets lost and extended highest sequence number. */
  lost?: number;
  highestSequence?: number;
}

/** Loss is judged over at least this long, whatever the browser's report interval, ms. */
const LOSS_WINDOW_MS = 1000;

/**
 * One viewer's video: a LayerSwitch driven by the viewer's choice (Auto, or a pinned layer) and,
 * in Auto, by a LayerPolicy fed with the viewer's link feedback. Decisions are taken on the
 * stage's tick (not per report), so a burst of reports costs nothing and timing is uniform.
 */
export class LayerSelector {
  readonly source: LayerSwitch;
  readonly #layers: LayerSet;
  readonly #policy: LayerPolicy;
  #preference: QualityPreference = 'auto';
  /** Where the current loss window started: counters and time. */
  #window: { lost: number; highestSequence: number; at: number } | undefined;

  constructor(layers: LayerSet, now = Date.now()) {
    this.#layers = layers;
    this.#policy = new LayerPolicy(now);
    // A new viewer starts on the best layer; if that one cannot start it at once, on the best that can.
    this.source = new LayerSwitch(layers.codec, layers.top, () => [...layers.active].reverse());
  }

  get preference(): QualityPreference {
    return this.#preference;
  }

  /** The viewer's choice; applied at once (the switch itself waits for a keyframe). */
  prefer(preference: QualityPreference, now = Date.now()): void {
    this.#preference = preference;
    this.tick(now);
  }

  onFeedback(feedback: LinkFeedback, now = Date.now()): void {
    const sending = this.#sendingLayer()?.bitrate ?? 0;
    if (feedback.lost !== undefined && feedback.highestSequence !== undefined) {
      const loss = this.#lossOverWindow(feedback.lost, feedback.highestSequence, now);
      if (loss !== undefined) this.#policy.onLoss(loss, sending, now);
    }
  }

  /** The fraction lost since the window began, once it spans LOSS_WINDOW_MS (then a new one starts). */
  #lossOverWindow(lost: number, highestSequence: number, now: number): number | undefined {
    const start = this.#window;
    if (!start || highestSequence < start.highestSequence) {
      this.#window = { lost, highestSequence, at: now };
      return undefined;
    }
    if (now - start.at < LOSS_WINDOW_MS) return undefined;
    this.#window = { lost, highestSequence, at: now };
    const expected = highestSequence - start.highestSequence;
    if (expected <= 0) return undefined;
    return Math.min(1, Math.max(0, (lost - start.lost) / expected));
  }

  tick(now = Date.now()): void {
    const layer = this.#choose(now);
    if (layer) this.source.switchTo(layer);
    this.source.nudge(now);
  }

  close(): void {
    this.source.close();
  }

  #sendingLayer(): ChoosableLayer | undefined {
    const id = this.source.layer;
    return this.#layers.all.find((layer) => layer.id === id);
  }

  #choose(now: number): ChoosableLayer | undefined {
    const active = this.#layers.active;
    if (active.length === 0) return undefined;
    const top = active.length - 1;
    switch (this.#preference) {
      case 'high':
        return active[top];
      case 'low':
        return active[0];
      case 'medium':
        return active[Math.floor(top / 2)];
      case 'auto': {
        // Where the switch is headed (a pending layer counts: its keyframe is on the way).
        const heading = this.source.pendingLayer ?? this.source.layer;
        let current = active.findIndex((layer) => layer.id === heading);
        if (current < 0) current = top;
        return active[this.#policy.choose(active.map((layer) => layer.bitrate), current, now)];
      }
    }
  }
}
