/**
 * The clip editor's pure pieces: the in/out range (never crossing, kept inside the recording),
 * the busker-facing refusals, keyframe snapping as the node does it, and how durations are worded.
 */
import { describe, expect, it } from 'vitest';
import { CLIP_LIMITS, suggestedRange } from '../../common/clips.js';
import { RangeModel, formatClock, keyframeAtOrBefore, rangeProblem } from '../../renderer/studio/clip-editor/range.js';
import { clipDuration } from '../../renderer/studio/shorts-format.js';

describe('RangeModel', () => {
  it('keeps the initial range inside the recording', () => {
    expect(new RangeModel(10_000, { inMs: -5, outMs: 60_000 }).value).toEqual({ inMs: 0, outMs: 10_000 });
  });

  it('I past the out point moves the out point along, keeping the length', () => {
    const range = new RangeModel(60_000, { inMs: 0, outMs: 5_000 });
    range.setIn(20_000);
    expect(range.value).toEqual({ inMs: 20_000, outMs: 25_000 });
    range.setIn(58_000);
    expect(range.value).toEqual({ inMs: 58_000, outMs: 60_000 });
  });

  it('O before the in point moves the in point back, keeping the length', () => {
    const range = new RangeModel(60_000, { inMs: 30_000, outMs: 40_000 });
    range.setOut(12_000);
    expect(range.value).toEqual({ inMs: 2_000, outMs: 12_000 });
  });

  it('dragged handles stop a minimum clip apart and tell listeners only of real changes', () => {
    const range = new RangeModel(60_000, { inMs: 10_000, outMs: 20_000 });
    const seen: unknown[] = [];
    range.onChange((value) => seen.push(value));
    range.dragIn(25_000);
    expect(range.value).toEqual({ inMs: 20_000 - CLIP_LIMITS.minMs, outMs: 20_000 });
    range.dragIn(25_000);
    range.dragOut(0);
    expect(range.value).toEqual({ inMs: 19_000, outMs: 19_000 + CLIP_LIMITS.minMs });
    range.dragOut(45_000);
    expect(range.value).toEqual({ inMs: 19_000, outMs: 45_000 });
    expect(seen).toHaveLength(2);
  });
});

describe('range refusals and snapping', () => {
  it('words what is wrong with a range for the busker', () => {
    expect(rangeProblem({ inMs: 5_000, outMs: 5_000 }, 10_000, 60_000, 'A short')).toMatch(/in point before the out point/);
    expect(rangeProblem({ inMs: 0, outMs: 11_000 }, 10_000, 60_000, 'A short')).toMatch(/past the end/);
    expect(rangeProblem({ inMs: 0, outMs: 500 }, 10_000, 60_000, 'A short')).toMatch(/at least 1 second/);
    expect(rangeProblem({ inMs: 0, outMs: 200_000 }, 300_000, 180_000, 'A vertical short')).toMatch(/^A vertical short is at most 3 min/);
    expect(rangeProblem({ inMs: 1_000, outMs: 9_000 }, 10_000, 60_000, 'A short')).toBeUndefined();
  });

  it('snaps to the keyframe at or before a point, as the node cuts', () => {
    const keyframes = [0, 2_000, 4_100, 6_000];
    expect(keyframeAtOrBefore(keyframes, 4_100)).toBe(4_100);
    expect(keyframeAtOrBefore(keyframes, 5_999)).toBe(4_100);
    expect(keyframeAtOrBefore(keyframes, 60_000)).toBe(6_000);
    expect(keyframeAtOrBefore([], 3_000)).toBe(0);
  });

  it('suggests 30 s around a "clip that!" marker, inside the recording', () => {
    expect(suggestedRange(60_000, 120_000)).toEqual({ inMs: 40_000, outMs: 70_000 });
    expect(suggestedRange(5_000, 120_000)).toEqual({ inMs: 0, outMs: 30_000 });
    expect(suggestedRange(118_000, 120_000)).toEqual({ inMs: 90_000, outMs: 120_000 });
    expect(suggestedRange(2_000, 12_000)).toEqual({ inMs: 0, outMs: 12_000 });
  });

  it('words times: the editor to a tenth, the gallery to the nearest second', () => {
    expect(formatClock(3_000)).toBe('0:03.0');
    expect(formatClock(3_723_450)).toBe('1:02:03.5');
    expect(clipDuration({ durationMs: 5_980, inMs: 0, outMs: 6_000 })).toBe('0:06');
    expect(clipDuration({ durationMs: null, inMs: 1_000, outMs: 62_400 })).toBe('1:01');
  });
});
