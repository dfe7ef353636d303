import type { Marker } from '../../../common/markers.js';
import { element } from '../../lib/dom.js';
import { FRAME_MS, clamp, formatClock, type Range } from './range.js';

export type HandleKind = 'in' | 'out';

export interface TimelineCallbacks {
  /** A click or drag on the strip: move the playhead there. */
  seek(ms: number): void;
  /** A handle dragged to `ms`. */
  drag(handle: HandleKind, ms: number): void;
  /** ←/→ on a focused handle: move it by `deltaMs`. */
  nudge(handle: HandleKind, deltaMs: number): void;
  /** Pointer pressed on the strip: the editor takes the keyboard. */
  focusEditor(): void;
}

/**
 * The strip under the video: stills, sound, chat density and "clip that!" ticks on one clock,
 * with the chosen range, its two handles, the keyframe a fast copy starts from, and the playhead.
 * Everything is placed in percent, so a resize moves nothing but the canvases' pixels.
 */
export class TimelineView {
  readonly element: HTMLElement;
  readonly thumbsCanvas: HTMLCanvasElement;
  readonly waveCanvas: HTMLCanvasElement;
  readonly waveNote: HTMLElement;
  readonly chatCanvas: HTMLCanvasElement;
  readonly #durationMs: number;
  readonly #callbacks: TimelineCallbacks;
  readonly #before = element('div', 'ce-shade ce-shade-before');
  readonly #after = element('div', 'ce-shade ce-shade-after');
  readonly #range = element('div', 'ce-range');
  readonly #keyframe = element('div', 'ce-keyframe');
  readonly #playhead = element('div', 'ce-playhead');
  readonly #handles: Record<HandleKind, HTMLElement>;
  #drag: { kind: HandleKind | 'seek'; pointerId: number; grabMs: number } | undefined;
  #value: Range = { inMs: 0, outMs: 0 };

  constructor(durationMs: number, markers: readonly Marker[], callbacks: TimelineCallbacks) {
    this.#durationMs = Math.max(1, durationMs);
    this.#callbacks = callbacks;
    this.element = element('div', 'ce-timeline');
    this.element.dataset.testid = 'editor-timeline';
    this.element.title = 'Click or drag to move the playhead';

    this.thumbsCanvas = element('canvas', 'ce-thumbs');
    this.waveCanvas = element('canvas', 'ce-wave');
    this.waveNote = element('p', 'ce-wave-note');
    this.waveNote.hidden = true;
    this.chatCanvas = element('canvas', 'ce-chat');
    this.chatCanvas.title = 'Chat messages';
    for (const canvas of [this.thumbsCanvas, this.waveCanvas, this.chatCanvas]) canvas.setAttribute('aria-hidden', 'true');
    const waveRow = element('div', 'ce-wave-row');
    waveRow.append(this.waveCanvas, this.waveNote);
    const tracks = element('div', 'ce-tracks');
    tracks.append(this.thumbsCanvas, waveRow, this.chatCanvas);

    const ticks = element('div', 'ce-ticks');
    for (const marker of markers) {
      if (marker.offsetMs === null) continue;
      const tick = element('span', 'ce-tick');
      tick.style.left = this.#percent(marker.offsetMs);
      tick.title = `“Clip that!” ×${marker.count} at ${formatClock(marker.offsetMs)}`;
      tick.append(element('span', 'ce-tick-count', `×${marker.count}`));
      ticks.append(tick);
    }

    this.#keyframe.dataset.testid = 'editor-keyframe';
    this.#keyframe.title = 'A fast copy starts at this keyframe';
    this.#playhead.dataset.testid = 'editor-playhead';
    this.#handles = { in: this.#handle('in'), out: this.#handle('out') };
    this.element.append(tracks, ticks, this.#before, this.#after, this.#range, this.#keyframe, this.#playhead, this.#handles.in, this.#handles.out);

    this.element.addEventListener('pointerdown', this.#onPointerDown);
    this.element.addEventListener('pointermove', this.#onPointerMove);
    this.element.addEventListener('pointerup', this.#onPointerUp);
    this.element.addEventListener('pointercancel', this.#onPointerUp);
  }

  setPlayhead(ms: number): void {
    this.#playhead.style.left = this.#percent(ms);
  }

  setRange(range: Range, keyframeMs: number): void {
    this.#value = range;
    this.#before.style.width = this.#percent(range.inMs);
    this.#after.style.left = this.#percent(range.outMs);
    this.#range.style.left = this.#percent(range.inMs);
    this.#range.style.width = this.#percent(range.outMs - range.inMs);
    this.#keyframe.style.left = this.#percent(keyframeMs);
    for (const kind of ['in', 'out'] as const) {
      const handle = this.#handles[kind];
      const ms = kind === 'in' ? range.inMs : range.outMs;
      handle.style.left = this.#percent(ms);
      handle.setAttribute('aria-valuenow', String(Math.round(ms)));
      handle.setAttribute('aria-valuetext', formatClock(ms));
    }
  }

  #handle(kind: HandleKind): HTMLElement {
    const handle = element('div', `ce-handle ce-handle-${kind}`);
    handle.dataset.testid = `editor-${kind}-handle`;
    handle.dataset.handle = kind;
    handle.tabIndex = 0;
    handle.setAttribute('role', 'slider');
    handle.setAttribute('aria-label', kind === 'in' ? 'In point' : 'Out point');
    handle.setAttribute('aria-valuemin', '0');
    handle.setAttribute('aria-valuemax', String(Math.round(this.#durationMs)));
    handle.title = kind === 'in' ? 'In point: drag, or press I at the playhead' : 'Out point: drag, or press O at the playhead';
    handle.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      // The handle moves instead of the playhead (the editor's own arrows).
      event.stopPropagation();
      const step = event.shiftKey ? FRAME_MS : 1000;
      this.#callbacks.nudge(kind, event.key === 'ArrowLeft' ? -step : step);
    });
    return handle;
  }

  #percent(ms: number): string {
    return `${(clamp(ms, 0, this.#durationMs) / this.#durationMs) * 100}%`;
  }

  #msAt(clientX: number): number {
    const box = this.element.getBoundingClientRect();
    if (box.width <= 0) return 0;
    return clamp((clientX - box.left) / box.width, 0, 1) * this.#durationMs;
  }

  readonly #onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0 || this.#drag) return;
    const handle = event.target instanceof Element ? event.target.closest<HTMLElement>('.ce-handle') : null;
    const kind = handle?.dataset.handle === 'in' || handle?.dataset.handle === 'out' ? handle.dataset.handle : 'seek';
    // No text selection, no focus jumping to whatever was pressed: the editor keeps the keyboard.
    event.preventDefault();
    this.#callbacks.focusEditor();
    // A handle keeps where it was grabbed (no jump by the width of a finger); the strip seeks at once.
    const at = this.#msAt(event.clientX);
    const grabMs = kind === 'seek' ? 0 : at - (kind === 'in' ? this.#value.inMs : this.#value.outMs);
    this.#drag = { kind, pointerId: event.pointerId, grabMs };
    this.element.setPointerCapture(event.pointerId);
    this.element.classList.add(kind === 'seek' ? 'is-seeking' : 'is-dragging');
    if (kind === 'seek') this.#apply(event.clientX);
  };

  readonly #onPointerMove = (event: PointerEvent): void => {
    if (this.#drag?.pointerId !== event.pointerId) return;
    this.#apply(event.clientX);
  };

  readonly #onPointerUp = (event: PointerEvent): void => {
    if (this.#drag?.pointerId !== event.pointerId) return;
    this.#drag = undefined;
    this.element.classList.remove('is-seeking', 'is-dragging');
    if (this.element.hasPointerCapture(event.pointerId)) this.element.releasePointerCapture(event.pointerId);
  };

  #apply(clientX: number): void {
    const drag = this.#drag;
    if (!drag) return;
    const ms = clamp(this.#msAt(clientX) - drag.grabMs, 0, this.#durationMs);
    if (drag.kind === 'seek') this.#callbacks.seek(ms);
    else this.#callbacks.drag(drag.kind, ms);
  }
}
