/**
 * Forwarding threads (issue #9): viewers' peers run on worker threads, fed once per packet per
 * thread by the main thread. Real werift publisher and viewers on 127.0.0.1, the real node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { liveSetWithWeriftPublisher, nodePerTest, type TestNode } from '../helpers/live-set.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { ForwardingPool } from '../../server/sfu/forwarding/forwarding-pool.js';
import type { ThreadPlacement } from '../../server/sfu/forwarding/thread-placement.js';
import { LIBRARY_FILE } from '../../server/library/database.js';
import { playWithWerift, type TestViewer } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';
import type { Gauges } from '../../server/diagnostics/gauges.js';

/** The names of this process's OS threads (Linux). */
function threadNames(): string[] {
  return readdirSync('/proc/self/task').map((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      return ''; // ended while we looked
    }
  });
}

/** The WHEP session id in a viewer's Location. */
function sessionOf(viewer: TestViewer): string {
  return viewer.location?.split('/').pop() ?? '';
}

describe('forwarding threads', () => {
  const { cleanups, start } = nodePerTest();

  async function liveNode(forwardingThreads: number, threadPlacement?: ThreadPlacement): Promise<{ node: TestNode; base: string }> {
    const node = await start({ forwardingThreads, threadPlacement, silenceTimeoutMs: 3000 });
    const { base } = await liveSetWithWeriftPublisher(node, cleanups);
    return { node, base };
  }

  async function watch(base: string): Promise<TestViewer> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    return viewer;
  }

  async function gauges(base: string): Promise<Gauges> {
    const res = await fetch(`${base}/api/admin/gauges`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Gauges;
  }

  it('spreads viewers over the threads; each gets the whole set; the counts add up', async () => {
    const { node: live, base } = await liveNode(2);
    expect(live.sfu.forwarding?.threads).toBe(2);
    // Named, so that per-thread CPU (top -H, the bench's scaling section) can tell them apart.
    expect(threadNames().filter((name) => name.startsWith('curbcast-fwd-')).sort()).toEqual(['curbcast-fwd-0', 'curbcast-fwd-1']);
    const viewers = [await watch(base), await watch(base), await watch(base), await watch(base)];
    await Promise.all(viewers.map((viewer) => viewer.waitForPackets(30)));
    await waitFor('4 watching', () => live.sfu.status().viewers === 4);

    const threads = [...live.sfu.stage!.viewerLayers().keys()].map((id) => live.sfu.stage!.viewer(id)?.thread);
    expect(threads.sort()).toEqual([0, 0, 1, 1]);
    // Each thread's own peers, summed into the node's counts: 4 viewers, none on the main thread.
    const threadGauges = await live.sfu.forwarding!.gauges(false);
    expect(threadGauges.map((thread) => thread.open.viewer)).toEqual([2, 2]);
    const node = await gauges(base);
    expect(node.open.viewer).toBe(4);
    expect(node.sfu.forwarding.threads.map((thread) => thread.viewers)).toEqual([2, 2]);
    for (const thread of node.sfu.forwarding.threads) expect(thread.eventLoop.activeMs).toBeGreaterThan(0);
    expect(node.resources.UDPWrap).toBeGreaterThanOrEqual(5);

    // Every packet reaches every viewer in order: no gaps in what each received (loopback, no loss).
    for (const viewer of viewers) {
      const sequence = viewer.received.video.map((packet) => packet.sequenceNumber);
      const steps = sequence.slice(1).map((seq, i) => (seq - sequence[i]! + 0x10000) & 0xffff);
      expect(steps.filter((step) => step !== 1).length).toBeLessThanOrEqual(1);
    }

    // DELETE reaches the right thread: that viewer's peer is gone there, the others carry on.
    expect((await fetch(`${base}${viewers[0]!.location}`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('3 watching', () => live.sfu.status().viewers === 3);
    await waitFor('the peer closed on its thread', async () => {
      const open = (await live.sfu.forwarding!.gauges(false)).map((thread) => thread.open.viewer ?? 0);
      return open.reduce((a, b) => a + b, 0) === 3;
    });
    const before = viewers[1]!.packets.video;
    await waitFor('the others keep receiving', () => viewers[1]!.packets.video > before + 20);
  });

  it('--thread-placement pack keeps a small audience on the first thread (the second stays idle)', async () => {
    const { node: live, base } = await liveNode(2, 'pack');
    const viewers = [await watch(base), await watch(base), await watch(base)];
    await Promise.all(viewers.map((viewer) => viewer.waitForPackets(20)));
    const threads = viewers.map((viewer) => live.sfu.stage!.viewer(sessionOf(viewer))?.thread);
    expect(threads).toEqual([0, 0, 0]);
    expect((await live.sfu.forwarding!.gauges(false)).map((thread) => thread.open.viewer ?? 0)).toEqual([3, 0]);
  });

  it('a thread that dies takes only its own viewers; the set goes on and the thread is replaced', async () => {
    const { node: live, base } = await liveNode(2);
    const viewers = [await watch(base), await watch(base)];
    await Promise.all(viewers.map((viewer) => viewer.waitForPackets(20)));
    const stage = live.sfu.stage!;
    const onThread0 = viewers.find((viewer) => stage.viewer(sessionOf(viewer))?.thread === 0)!;
    const onThread1 = viewers.find((viewer) => viewer !== onThread0)!;

    const dead = live.sfu.forwarding!.shards[0]!;
    await dead.crashForTest();
    await waitFor('its viewer dropped', () => stage.sessionCount === 1);
    expect(live.sfu.status()).toMatchObject({ live: true, viewers: 1 });
    const before = onThread1.packets.video;
    await waitFor('the other thread\'s viewer keeps receiving', () => onThread1.packets.video > before + 20);
    expect((await fetch(`${base}${onThread0.location}`, { method: 'DELETE' })).status).toBe(404);

    // New viewers play at once (on the live thread), and again on both once the thread is back.
    const late = await watch(base);
    await late.waitForPackets(20);
    await waitFor('thread 0 replaced', () => live.sfu.forwarding!.shards[0] !== dead && live.sfu.forwarding!.shards[0]!.alive, 10_000);
    await live.sfu.forwarding!.shards[0]!.ready;
    const again = await watch(base);
    await again.waitForPackets(20);
    expect(stage.viewer(sessionOf(again))?.thread).toBe(0);
  });

  it('a thread that falls behind drops what waited too long, asks for a keyframe, and carries on', async () => {
    const live = await start({ forwardingThreads: 1, silenceTimeoutMs: 5000 });
    const { base, publisher } = await liveSetWithWeriftPublisher(live, cleanups);
    const viewer = await watch(base);
    await viewer.waitForPackets(30);
    const keyframeRequests = publisher.pliCount();
    // (A busy machine may already have made the thread drop a few.)
    const before = (await gauges(base)).sfu.forwarding.shedPackets;

    // 1.5 s without a turn: ~45 video and ~100 audio packets queue up for the thread meanwhile.
    const stalledAt = viewer.received.video.length;
    live.sfu.forwarding!.shards[0]!.stallForTest(1500);
    await waitFor('video to flow again after the stall', () => viewer.received.video.length >= stalledAt + 60, 10_000);

    const total = (await gauges(base)).sfu.forwarding.shedPackets;
    const shed = { audio: total.audio - before.audio, video: total.video - before.video };
    // Video that waited over STALE_VIDEO_MS and audio that waited over STALE_AUDIO_MS were dropped…
    expect(shed.video).toBeGreaterThan(20);
    expect(shed.audio).toBeGreaterThan(0);
    // …fewer audio packets than the stall queued (audio is kept longer than video).
    expect(shed.audio).toBeLessThan(100);
    // The viewer saw the hole, and the thread asked for a keyframe to mend it.
    // From the last packet before the stall on.
    const after = viewer.received.video.slice(stalledAt - 1);
    const jumps = after.slice(1).map((packet, i) => (packet.sequenceNumber - after[i]!.sequenceNumber) & 0xffff);
    expect(Math.max(...jumps)).toBeGreaterThan(20);
    await waitFor('a keyframe request after the stall', () => publisher.pliCount() > keyframeRequests);
    expect(live.sfu.status().viewers).toBe(1);
  });

  it('with 0 threads the viewers run on the main thread, as before', async () => {
    const { node: live, base } = await liveNode(0);
    expect(live.sfu.forwarding).toBeUndefined();
    const viewer = await watch(base);
    await viewer.waitForPackets(20);
    expect(live.sfu.stage!.viewer(sessionOf(viewer))?.thread).toBeUndefined();
    expect((await gauges(base)).sfu.forwarding.threads).toEqual([]);
  });

  it('a node that fails to start stops the threads it started', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'curbcast-test-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // A folder where the library file should be: the database cannot open.
    await mkdir(join(dataDir, LIBRARY_FILE));
    const started: ForwardingPool[] = [];
    const start = ForwardingPool.start.bind(ForwardingPool);
    const spy = vi.spyOn(ForwardingPool, 'start').mockImplementation(async (options) => {
      const pool = await start(options);
      started.push(pool);
      return pool;
    });
    cleanups.push(async () => spy.mockRestore());
    await expect(startTestNode({ dataDir, forwardingThreads: 2 })).rejects.toThrow();
    expect(started).toHaveLength(1);
    expect(started[0]!.shards).toHaveLength(2);
    expect(started[0]!.shards.every((shard) => !shard.alive)).toBe(true);
  });
});
