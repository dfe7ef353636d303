import { describe, expect, it } from 'vitest';
import { RELAY_BACKOFF, relayRetryDelay } from '../../../server/relay/backoff.js';

describe('relay backoff: 1 s doubling to 30 s, each wait in the upper half of its step', () => {
  it('follows the schedule at both ends of the jitter', () => {
    const lowest = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => relayRetryDelay(attempt, RELAY_BACKOFF, () => 0));
    const highest = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => relayRetryDelay(attempt, RELAY_BACKOFF, () => 1));
    expect(highest).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(lowest).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('spreads retries (jitter) and never overflows for absurd attempt counts', () => {
    const waits = new Set(Array.from({ length: 50 }, () => Math.round(relayRetryDelay(3, RELAY_BACKOFF))));
    expect(waits.size).toBeGreaterThan(10);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(4000);
    expect(relayRetryDelay(10_000, RELAY_BACKOFF, () => 1)).toBe(30_000);
    expect(relayRetryDelay(-3, RELAY_BACKOFF, () => 1)).toBe(1000);
  });
});
