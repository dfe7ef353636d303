import type { Input, UrlSource } from 'mediabunny';

export type Mediabunny = typeof import('mediabunny');

let loading: Promise<Mediabunny> | undefined;

/**
 * mediabunny, loaded the first time the editor needs it: a separate chunk, so the rest of the
 * studio (going live) never downloads it.
 */
export function loadMediabunny(): Promise<Mediabunny> {
  loading ??= import('mediabunny');
  return loading;
}

/**
 * An Input over a signed media link. `parallelism` is kept low on purpose: the editor's <video>,
 * these reads and the API calls share the browser's six connections to the node.
 */
export async function openInput(url: string, parallelism: number): Promise<Input<UrlSource>> {
  const mb = await loadMediabunny();
  return new mb.Input({
    source: new mb.UrlSource(url, {
      parallelism,
      // A dead node is reported by the video and the API calls; endless retries would only hide it.
      getRetryDelay: (attempts) => (attempts < 3 ? 0.5 * 2 ** attempts : null),
    }),
    formats: mb.ALL_FORMATS,
  });
}

/** Work in the background (thumbnails, waveform) waits here while an export needs the machine. */
export class Gate {
  #waiters: (() => void)[] = [];
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  open(): void {
    this.#closed = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at once while open; otherwise when open() is called. */
  pass(): Promise<void> {
    if (!this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** A canvas's backing store sized to its CSS box at the screen's pixel ratio; false when it has no size yet. */
export function fitCanvas(canvas: HTMLCanvasElement): boolean {
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (width <= 0 || height <= 0) return false;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  return true;
}
