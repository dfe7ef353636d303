/**
 * A token bucket: `capacity` actions at once, then one every `refillMs`. Used for a chat
 * connection's rate limit and for the events socket's flood guard. Time comes from `now` so tests
 * can drive it; nothing here holds a timer.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  /** Takes one token: 0 when allowed, otherwise how long (ms) until one is available. */
  take(): number {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) * this.refillMs);
  }

  #refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed / this.refillMs);
    this.#updatedAt = now;
  }
}
