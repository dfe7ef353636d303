import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SIZE, MIN_SIZE, WindowStateStore, parseWindowState, placeWindow, type Displays, type Rect, type TrackedWindow } from '../../../main/window-state.js';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };
const displays = (...areas: Rect[]): Displays => ({ workAreas: () => areas, primaryWorkArea: () => areas[0]! });

describe('window state', () => {
  it('opens centred at the default size the first time', () => {
    expect(placeWindow(undefined, displays(laptop))).toEqual({
      x: (1920 - DEFAULT_SIZE.width) / 2,
      y: Math.round((1050 - DEFAULT_SIZE.height) / 2),
      ...DEFAULT_SIZE,
      maximized: false,
    });
  });

  it('reopens where it was, on a second display too', () => {
    const saved = { x: 2100, y: 80, width: 1400, height: 900, maximized: true };
    expect(placeWindow(saved, displays(laptop, rightMonitor))).toEqual(saved);
  });

  it('comes back to the primary display when its display is gone (monitor unplugged)', () => {
    const placed = placeWindow({ x: 2100, y: 80, width: 1400, height: 900, maximized: false }, displays(laptop));
    expect(placed.x).toBeGreaterThanOrEqual(0);
    expect(placed.x + placed.width).toBeLessThanOrEqual(1920);
  });

  it('pulls a window hanging off the edge back inside, and shrinks one bigger than the display', () => {
    const placed = placeWindow({ x: 1700, y: -10, width: 3000, height: 2000, maximized: false }, displays(laptop));
    expect(placed).toEqual({ x: 0, y: 0, width: 1920, height: 1050, maximized: false });
  });

  it('never remembers a window smaller than the minimum', () => {
    const placed = placeWindow({ x: 10, y: 10, width: 100, height: 50, maximized: false }, displays(laptop));
    expect(placed.width).toBe(MIN_SIZE.width);
    expect(placed.height).toBe(MIN_SIZE.height);
  });

  it('ignores a file that is not ours', () => {
    for (const text of [undefined, '', '{', 'null', '{"x":"a"}', '{"x":1,"y":2,"width":-5,"height":3}']) expect(parseWindowState(text)).toBeUndefined();
    expect(parseWindowState('{"x":1,"y":2,"width":800,"height":600}')).toEqual({ x: 1, y: 2, width: 800, height: 600, maximized: false });
  });

  describe('WindowStateStore', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    function fakeWindow() {
      const listeners = new Map<string, () => void>();
      let bounds: Rect = { x: 100, y: 100, width: 1000, height: 700 };
      const window: TrackedWindow & { emit(event: string): void; moveTo(r: Rect): void } = {
        getNormalBounds: () => bounds,
        isMaximized: () => false,
        on: (event, listener) => void listeners.set(event, listener),
        emit: (event) => listeners.get(event)?.(),
        moveTo: (r) => void (bounds = r),
      };
      return window;
    }

    it('saves a moment after moves and resizes (once for a burst), and at close', () => {
      const writes: string[] = [];
      const store = new WindowStateStore({ read: () => undefined, write: (text) => void writes.push(text) }, 500);
      const window = fakeWindow();
      store.track(window);
      window.moveTo({ x: 200, y: 150, width: 1100, height: 760 });
      window.emit('move');
      window.emit('resize');
      window.emit('move');
      expect(writes).toHaveLength(0);
      vi.advanceTimersByTime(500);
      expect(writes.map((w) => JSON.parse(w))).toEqual([{ x: 200, y: 150, width: 1100, height: 760, maximized: false }]);
      window.emit('close');
      expect(writes).toHaveLength(2);
    });

    it('loads what it saved, placed on the displays there are now', () => {
      let file: string | undefined;
      const store = new WindowStateStore({ read: () => file, write: (text) => void (file = text) });
      const window = fakeWindow();
      store.track(window);
      window.moveTo({ x: 2000, y: 40, width: 1200, height: 800 });
      window.emit('close');
      expect(store.load(displays(laptop, rightMonitor))).toEqual({ x: 2000, y: 40, width: 1200, height: 800, maximized: false });
      expect(store.load(displays(laptop)).x).toBeLessThan(1920);
    });
  });
});
