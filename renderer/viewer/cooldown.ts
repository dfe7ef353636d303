/**
 * A wait that ends at a known time ("send again in 3 s", the "clip that!" cooldown), ticking on
 * each whole second left so a button can count down. One timer at most; `stop()` frees it.
 */
export class Cooldown {
  readonly #onTick: (remainingMs: number) => void;
  readonly #onEnd: () => void;
  #until = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(onTick: (remainingMs: number) => void, onEnd: () => void) {
    this.#onTick = onTick;
    this.#onEnd = onEnd;
  }

  get active(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts (or restarts) a wait of `ms`; a wait of 0 ends at once. */
  start(ms: number): void {
    this.stop();
    this.#until = Date.now() + ms;
    this.#tick();
  }

  /** Ends the wait silently (the page is going away, or the wait no longer matters). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    const left = this.#until - Date.now();
    if (left <= 0) {
      this.#timer = undefined;
      this.#onEnd();
      return;
    }
    this.#onTick(left);
    // Wake when the shown number of seconds changes, not on a fixed beat that drifts from it.
    this.#timer = setTimeout(this.#tick, left % 1000 || 1000);
  };
}

/** "3 s" for a wait of 2.1–3 s: rounded up, so it never says 0 while still waiting. */
export function secondsLeft(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))} s`;
}
