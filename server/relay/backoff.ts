export interface RelayBackoff {
  /** The first step, ms. */
  baseMs: number;
  /** The largest step, ms. */
  capMs: number;
  /** A session that stayed live this long starts the schedule over, ms. */
  resetAfterMs: number;
}

/** 1 s doubling to 30 s; a session that held for 30 s was a success, so the next loss starts at 1 s again. */
export const RELAY_BACKOFF: RelayBackoff = { baseMs: 1000, capMs: 30_000, resetAfterMs: 30_000 };

/**
 * The wait before retry number `attempt` (0 for the first): the step doubles up to the cap, and the
 * wait is a random point in its upper half ("equal jitter") — a target that comes back is not hit by
 * every relay in the same millisecond, and no wait is much shorter than planned.
 */
export function relayRetryDelay(attempt: number, { baseMs, capMs }: Pick<RelayBackoff, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt)));
  return step / 2 + (random() * step) / 2;
}
