import type { Input } from 'mediabunny';
import { fitCanvas, loadMediabunny, type Gate } from './media.js';
import { keyframeAtOrBefore } from './range.js';

interface Thumb {
  /** Share of the strip this still stands for, 0–1. */
  from: number;
  to: number;
  picture: CanvasImageSource & { width: number; height: number };
}

/** Most stills in one strip, however wide it is. */
const MAX_THUMBS = 120;

/**
 * The row of stills along the timeline: one per slot of the strip's width, each taken at a
 * keyframe inside its slot when there is one (a keyframe decodes alone, so a long set's strip
 * costs one frame per still). Drawn as they arrive; kept, so a resize only redraws.
 */
export class ThumbnailsStrip {
  readonly #canvas: HTMLCanvasElement;
  readonly #durationMs: number;
  readonly #keyframesMs: readonly number[];
  readonly #thumbs: Thumb[] = [];

  constructor(canvas: HTMLCanvasElement, durationMs: number, keyframesMs: readonly number[]) {
    this.#canvas = canvas;
    this.#durationMs = durationMs;
    this.#keyframesMs = keyframesMs;
  }

  /** Decodes the stills; stops quietly when `signal` aborts (the input is disposed by its owner). */
  async load(input: Input, signal: AbortSignal, gate: Gate): Promise<void> {
    const mb = await loadMediabunny();
    const track = await input.getPrimaryVideoTrack();
    if (!track || signal.aborted || this.#durationMs <= 0) return;
    if (!(await track.canDecode())) return;
    fitCanvas(this.#canvas);
    const slotHeight = Math.max(1, this.#canvas.height);
    const aspect = (await track.getDisplayWidth()) / Math.max(1, await track.getDisplayHeight()) || 16 / 9;
    const slotWidthCss = (this.#canvas.clientHeight || 48) * aspect;
    const count = Math.max(1, Math.min(MAX_THUMBS, Math.ceil((this.#canvas.clientWidth || 600) / slotWidthCss)));
    const sink = new mb.CanvasSink(track, {
      height: slotHeight,
      width: Math.max(2, Math.round(slotHeight * aspect)),
      fit: 'cover',
    });
    const slots = Array.from({ length: count }, (_, i) => ({ from: i / count, to: (i + 1) / count }));
    const times = slots.map((slot) => this.#timeFor(slot.from, slot.to));
    const iterator = sink.canvasesAtTimestamps(times);
    try {
      let index = 0;
      for await (const wrapped of iterator) {
        const slot = slots[index++];
        if (signal.aborted) break;
        if (!slot || !wrapped) continue;
        this.#thumbs.push({ ...slot, picture: wrapped.canvas });
        this.draw();
        await gate.pass();
        if (signal.aborted) break;
      }
    } finally {
      await iterator.return(undefined).catch(() => undefined);
    }
  }

  /** Redraws everything decoded so far at the canvas's current size. */
  draw(): void {
    if (!fitCanvas(this.#canvas)) return;
    const context = this.#canvas.getContext('2d');
    if (!context) return;
    const { width, height } = this.#canvas;
    context.clearRect(0, 0, width, height);
    for (const thumb of this.#thumbs) {
      const x = Math.floor(thumb.from * width);
      const w = Math.ceil(thumb.to * width) - x;
      // Cover the slot: crop the still's sides rather than squash it.
      const scale = Math.max(w / thumb.picture.width, height / thumb.picture.height);
      const sw = w / scale;
      const sh = height / scale;
      context.drawImage(thumb.picture, (thumb.picture.width - sw) / 2, (thumb.picture.height - sh) / 2, sw, sh, x, 0, w, height);
    }
  }

  /** Seconds: the keyframe nearest the slot's middle from below if it lies in the slot, else the middle. */
  #timeFor(from: number, to: number): number {
    const start = from * this.#durationMs;
    const middle = ((from + to) / 2) * this.#durationMs;
    const keyframe = keyframeAtOrBefore(this.#keyframesMs, middle);
    const at = keyframe >= start && this.#keyframesMs.length > 0 ? keyframe : middle;
    // A hair past the keyframe, so float rounding never lands on the frame before it.
    return (at + 1) / 1000;
  }
}
