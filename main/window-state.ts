import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const WindowStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_SIZE = { width: 1280, height: 860 };
export const MIN_SIZE = { width: 720, height: 520 };

/** Reading and writing the file (userData/window-state.json), injected so tests need no disk. */
export interface StateFile {
  read(): string | undefined;
  write(text: string): void;
}

/** What the window manager needs of the screen (Electron's `screen`). */
export interface Displays {
  /** The work areas (screen minus task bars) of every display. */
  workAreas(): Rect[];
  primaryWorkArea(): Rect;
}

/** The stored state, or undefined when there is none or it is not ours (a hand-edited file). */
export function parseWindowState(text: string | undefined): WindowState | undefined {
  if (!text) return undefined;
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where to open the window: the remembered bounds if enough of the window (its title bar) lies
 * on a display that is still there, else centred on the primary display. Always at least
 * MIN_SIZE, never bigger than the display it lands on.
 */
export function placeWindow(saved: WindowState | undefined, displays: Displays): WindowState {
  const primary = displays.primaryWorkArea();
  if (saved) {
    const area = displays.workAreas().find((a) => titleBarVisible(saved, a));
    if (area) {
      const width = clamp(saved.width, Math.min(MIN_SIZE.width, area.width), area.width);
      const height = clamp(saved.height, Math.min(MIN_SIZE.height, area.height), area.height);
      return {
        x: clamp(saved.x, area.x, area.x + area.width - width),
        y: clamp(saved.y, area.y, area.y + area.height - height),
        width,
        height,
        maximized: saved.maximized,
      };
    }
  }
  const width = Math.min(DEFAULT_SIZE.width, primary.width);
  const height = Math.min(DEFAULT_SIZE.height, primary.height);
  return {
    x: primary.x + Math.round((primary.width - width) / 2),
    y: primary.y + Math.round((primary.height - height) / 2),
    width,
    height,
    maximized: saved?.maximized ?? false,
  };
}

/** At least 100×20 px of the top 40 px of the window (its title bar) is inside `area` (where the busker can grab it). */
function titleBarVisible(bounds: Rect, area: Rect): boolean {
  const left = Math.max(bounds.x, area.x);
  const right = Math.min(bounds.x + bounds.width, area.x + area.width);
  const top = Math.max(bounds.y, area.y);
  const bottom = Math.min(bounds.y + 40, area.y + area.height);
  return right - left >= 100 && bottom - top >= 20;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/** The window as WindowStateStore sees it (a BrowserWindow fits). */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  on(event: 'resize' | 'move' | 'close', listener: () => void): void;
}

/**
 * Remembers the studio window's size and position (normal bounds, plus whether it was maximised)
 * in userData: saved a moment after each move or resize and when the window closes.
 */
export class WindowStateStore {
  readonly #file: StateFile;
  readonly #delayMs: number;

  constructor(file: StateFile, delayMs = 500) {
    this.#file = file;
    this.#delayMs = delayMs;
  }

  load(displays: Displays): WindowState {
    return placeWindow(parseWindowState(this.#file.read()), displays);
  }

  track(window: TrackedWindow): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const save = () => {
      clearTimeout(timer);
      timer = undefined;
      const bounds = window.getNormalBounds();
      const state: WindowState = { ...bounds, maximized: window.isMaximized() };
      try {
        this.#file.write(JSON.stringify(state));
      } catch {
        // A read-only profile only costs the remembered position.
      }
    };
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(save, this.#delayMs);
    };
    window.on('resize', later);
    window.on('move', later);
    window.on('close', save);
  }
}
