/**
 * The viewer page asks for the node's STUN/TURN servers while it loads (issue #9: a join should not
 * wait for them after the set is known to be live); only the first session takes that early list,
 * and only while it is fresh (TURN credentials expire).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prefetchIceServers } from '../../renderer/lib/ice.js';

describe('prefetchIceServers', () => {
  let asked = 0;
  beforeEach(() => {
    asked = 0;
    vi.stubGlobal('location', { href: 'http://127.0.0.1:8788/' });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        asked++;
        return new Response(JSON.stringify({ iceServers: [{ urls: `turn:127.0.0.1:3478?n=${asked}`, username: 'u', credential: 'c' }] }));
      }),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('asks at once, hands that answer to the first session, and asks again for the next', async () => {
    const servers = prefetchIceServers('/whep');
    expect(asked).toBe(1);
    expect(await servers(new AbortController().signal)).toEqual([{ urls: ['turn:127.0.0.1:3478?n=1'], username: 'u', credential: 'c' }]);
    expect(asked).toBe(1);
    expect(await servers(new AbortController().signal)).toEqual([{ urls: ['turn:127.0.0.1:3478?n=2'], username: 'u', credential: 'c' }]);
    expect(asked).toBe(2);
  });

  it('does not hand out an early answer that has grown old (the set started long after the page opened)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const servers = prefetchIceServers('/whep', 30_000);
    vi.setSystemTime(Date.now() + 31_000);
    expect(await servers(new AbortController().signal)).toEqual([{ urls: ['turn:127.0.0.1:3478?n=2'], username: 'u', credential: 'c' }]);
    expect(asked).toBe(2);
  });
});
