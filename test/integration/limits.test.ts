import { afterEach, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift, type TestViewer } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Issue #7 part 6: per-address caps on WHEP (sessions at once, attempts per second) and the
 * node's max viewers. Everything here comes from 127.0.0.1, one address, so the caps are set low.
 */
const FULL = "The busker's laptop is full right now — try again in a minute.";

describe('viewer limits', { timeout: 90_000 }, () => {
  let node: Node | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await node?.close();
    node = undefined;
  });

  async function live(options: Parameters<typeof startTestNode>[0]): Promise<string> {
    node = await startTestNode(options);
    const base = `http://127.0.0.1:${node.port}`;
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    await waitFor('live', () => node!.sfu.status().live);
    return base;
  }

  async function watch(base: string): Promise<TestViewer> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    return viewer;
  }

  function refusal(viewer: TestViewer): { error: string; message: string } {
    return JSON.parse(viewer.answer) as { error: string; message: string };
  }

  it('caps sessions at once per address: the next gets 503 "full" with the message and Retry-After; a viewer leaving frees its slot', async () => {
    const base = await live({ viewerLimits: { perIp: 2, burstPerIp: 50, refillMs: 100 } });
    const [a, b] = [await watch(base), await watch(base)];
    expect([a.status, b.status]).toEqual([201, 201]);
    await a.waitForPackets(5);

    const res = await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: a.answer });
    // Refused before the body is even looked at (that body is an answer, not an offer).
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({ error: 'full', message: FULL });
    const third = await watch(base);
    expect(third.status).toBe(503);
    expect(refusal(third)).toEqual({ error: 'full', message: FULL });

    // DELETE frees the slot at once.
    expect((await fetch(`${base}${a.location}`, { method: 'DELETE' })).status).toBe(200);
    const fourth = await watch(base);
    expect(fourth.status).toBe(201);
    await fourth.waitForPackets(5);
    // Two open again (b and the fourth): the next is refused again.
    expect((await watch(base)).status).toBe(503);
  });

  it('refused or failed offers do not hold a slot', async () => {
    const base = await live({ viewerLimits: { perIp: 1, burstPerIp: 100, refillMs: 10 } });
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\nnot an offer' });
      expect(res.status).toBe(400);
      expect((await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status).toBe(415);
    }
    const viewer = await watch(base);
    expect(viewer.status).toBe(201);
    await viewer.waitForPackets(5);
  });

  it('limits how fast one address may start sessions: 429 with the message and Retry-After, then allowed again', async () => {
    const base = await live({ viewerLimits: { perIp: 100, burstPerIp: 3, refillMs: 1500 } });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.body?.cancel();
    }
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited!.json()).toMatchObject({ error: 'rate_limited', message: FULL });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const viewer = await watch(base);
    expect(viewer.status).toBe(201);
  });

  it('--max-viewers: the node-wide cap answers with the same message; when the set ends every slot is freed', async () => {
    const base = await live({ maxViewers: 2, viewerLimits: { perIp: 10, burstPerIp: 100, refillMs: 10 } });
    const [a, b] = [await watch(base), await watch(base)];
    expect([a.status, b.status]).toEqual([201, 201]);
    const third = await watch(base);
    expect(third.status).toBe(503);
    expect(refusal(third)).toEqual({ error: 'full', message: FULL });

    // End the set and go live again: nobody's old session still counts.
    const whip = node!.sfu.stage!.publisher.id;
    expect((await fetch(`${base}/whip/${whip}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(200);
    await waitFor('offline', () => !node!.sfu.status().live);
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    publisher.startMedia();
    await waitFor('live again', () => node!.sfu.status().live);
    const again = [await watch(base), await watch(base)];
    expect(again.map((v) => v.status)).toEqual([201, 201]);
    await again[0]!.waitForPackets(5);
  });
});
