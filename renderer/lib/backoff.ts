export interface BackoffOptions {
  /** The first step, ms. */
  baseMs: number;
  /** The largest step, ms. */
  capMs: number;
}

/**
 * Exponential backoff with "equal jitter": the step doubles per attempt up to the cap, and the wait
 * is a random point in its upper half — so a hundred phones that lost the node together do not all
 * come back in the same millisecond, yet none waits much less than planned.
 */
export function backoffDelay(attempt: number, { baseMs, capMs }: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return step / 2 + (random() * step) / 2;
}
