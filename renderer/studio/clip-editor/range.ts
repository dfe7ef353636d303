import { CLIP_LIMITS } from '../../../common/limits.js';

/** One frame at 30 fps, for Shift+arrow nudges (recordings are ~30 fps; variable in practice). */
export const FRAME_MS = 1000 / 30;

export interface Range {
  inMs: number;
  outMs: number;
}

type Listener = (range: Range) => void;

/**
 * The in and out points of the clip being cut, on the recording's clock. Keeps 0 ≤ in < out ≤
 * duration; a change that would cross the points moves the other one along, keeping the length.
 */
export class RangeModel {
  readonly #durationMs: number;
  #range: Range;
  readonly #listeners = new Set<Listener>();

  constructor(durationMs: number, initial: Range) {
    this.#durationMs = Math.max(0, durationMs);
    this.#range = { inMs: 0, outMs: this.#durationMs };
    this.set(initial);
  }

  get value(): Range {
    return this.#range;
  }

  get durationMs(): number {
    return this.#durationMs;
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  set(range: Range): void {
    const inMs = clamp(range.inMs, 0, this.#durationMs);
    const outMs = clamp(range.outMs, inMs, this.#durationMs);
    this.#commit({ inMs, outMs });
  }

  /** I: the in point here; if that passes the out point, the out point follows at the same length. */
  setIn(ms: number): void {
    const inMs = clamp(ms, 0, this.#durationMs);
    const { outMs } = this.#range;
    if (inMs < outMs) this.#commit({ inMs, outMs });
    else this.#commit({ inMs, outMs: Math.min(this.#durationMs, inMs + this.#lengthOrDefault()) });
  }

  /** O: the out point here; if that is before the in point, the in point follows at the same length. */
  setOut(ms: number): void {
    const outMs = clamp(ms, 0, this.#durationMs);
    const { inMs } = this.#range;
    if (outMs > inMs) this.#commit({ inMs, outMs });
    else this.#commit({ inMs: Math.max(0, outMs - this.#lengthOrDefault()), outMs });
  }

  /** A dragged handle stops a minimum clip's length short of the other one (handles never cross). */
  dragIn(ms: number): void {
    const limit = Math.max(0, this.#range.outMs - CLIP_LIMITS.minMs);
    this.#commit({ inMs: clamp(ms, 0, limit), outMs: this.#range.outMs });
  }

  dragOut(ms: number): void {
    const limit = Math.min(this.#durationMs, this.#range.inMs + CLIP_LIMITS.minMs);
    this.#commit({ inMs: this.#range.inMs, outMs: clamp(ms, limit, this.#durationMs) });
  }

  #lengthOrDefault(): number {
    const length = this.#range.outMs - this.#range.inMs;
    return length >= CLIP_LIMITS.minMs ? length : Math.min(CLIP_LIMITS.suggestedMs, this.#durationMs);
  }

  #commit(range: Range): void {
    const next = { inMs: Math.round(range.inMs), outMs: Math.round(range.outMs) };
    if (next.inMs === this.#range.inMs && next.outMs === this.#range.outMs) return;
    this.#range = next;
    for (const listener of this.#listeners) listener(next);
  }
}

/** Why a range cannot be exported, in words for the busker; undefined when it can. */
export function rangeProblem(range: Range, durationMs: number, maxMs: number, what: string): string | undefined {
  const length = range.outMs - range.inMs;
  if (range.inMs < 0 || length <= 0) return 'Set the in point before the out point.';
  if (range.outMs > durationMs) return 'The out point is past the end of the recording.';
  if (length < CLIP_LIMITS.minMs) return `A clip is at least ${CLIP_LIMITS.minMs / 1000} second long.`;
  if (length > maxMs) return `${what} is at most ${formatLimit(maxMs)} long; this range is ${formatClock(length)}.`;
  return undefined;
}

/** The last keyframe at or before `ms` (where a fast copy really starts), or 0. */
export function keyframeAtOrBefore(keyframesMs: readonly number[], ms: number): number {
  // Sorted in practice; a binary search keeps a long set's thousands of keyframes cheap.
  let low = 0;
  let high = keyframesMs.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const value = keyframesMs[mid] ?? 0;
    if (value <= ms) {
      found = value;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** A position as m:ss.s (h:mm:ss.s from an hour), tenths rounded. */
export function formatClock(ms: number): string {
  const tenths = Math.round(Math.max(0, ms) / 100);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const seconds = s.toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${seconds}` : `${m}:${seconds}`;
}

function formatLimit(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}` : formatClock(ms);
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
