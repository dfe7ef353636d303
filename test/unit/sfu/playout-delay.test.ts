import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAYOUT_DELAY, playoutDelayFromEnv, playoutDelayPayload, readPlayoutDelay } from '../../../server/sfu/playout-delay.js';

describe('the playout-delay hint', () => {
  it('packs min and max as 12 bits each of 10 ms', () => {
    // 0 and 400 ms: 0x000 and 0x028.
    expect([...playoutDelayPayload({ minMs: 0, maxMs: 400 })]).toEqual([0x00, 0x00, 0x28]);
    // 1000 and 40950 ms (the largest): 0x064 and 0xfff.
    expect([...playoutDelayPayload({ minMs: 1000, maxMs: 40950 })]).toEqual([0x06, 0x4f, 0xff]);
    for (const delay of [{ minMs: 0, maxMs: 0 }, { minMs: 120, maxMs: 2560 }, { minMs: 40950, maxMs: 40950 }]) {
      expect(readPlayoutDelay(playoutDelayPayload(delay))).toEqual(delay);
    }
  });

  it('is 0–400 ms unless CURBCAST_PLAYOUT_DELAY says otherwise', () => {
    expect(playoutDelayFromEnv(undefined)).toEqual(DEFAULT_PLAYOUT_DELAY);
    expect(DEFAULT_PLAYOUT_DELAY).toEqual({ minMs: 0, maxMs: 400 });
    expect(playoutDelayFromEnv('off')).toBeUndefined();
    expect(playoutDelayFromEnv('0-0')).toEqual({ minMs: 0, maxMs: 0 });
    expect(playoutDelayFromEnv('100-250')).toEqual({ minMs: 100, maxMs: 250 });
  });

  it('refuses a malformed setting with a message that says what is allowed', () => {
    for (const bad of ['fast', '400-0', '-1-5', '0-50000', '0-', '1.5-2']) {
      expect(() => playoutDelayFromEnv(bad)).toThrow(/CURBCAST_PLAYOUT_DELAY must be "off" or "<min>-<max>"/);
    }
  });
});
