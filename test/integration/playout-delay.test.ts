/**
 * The playout-delay hint (issue #9, latency): a viewer whose offer includes the extension, as
 * Chromium's does, gets it on every video packet — 0–400 ms, Chromium's low-latency renderer
 * range — and never on audio. Real werift publisher and viewers on 127.0.0.1 and the real node,
 * through a forwarding thread and on the main thread (each sends with its own fast path).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe('the playout-delay hint on viewers’ video', () => {
  let node: Node | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    await node?.close();
    node = undefined;
  });

  it.each([
    ['through a forwarding thread', 1],
    ['on the main thread', 0],
  ])('%s: 0–400 ms on every video packet', async (_, forwardingThreads) => {
    node = await startTestNode({ forwardingThreads });
    const base = `http://127.0.0.1:${node.port}`;
    const publisher = await publishWithWerift(base, TEST_TOKEN, '/whip', { keyframeOnRequest: true });
    cleanups.push(() => publisher.stop());
    publisher.startMedia();
    const live = node;
    await waitFor('the set to be live', () => live.sfu.status().live);

    const viewer = await playWithWerift(base, { offerPlayoutDelay: true });
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    expect(viewer.answer).toMatch(/a=extmap:\d+ http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/playout-delay/);
    await viewer.waitForPackets(30);
    const { video, audio } = viewer.received;
    expect(video.every((packet) => packet.playoutDelay?.minMs === 0 && packet.playoutDelay.maxMs === 400)).toBe(true);
    expect(audio.some((packet) => packet.playoutDelay !== undefined)).toBe(false);
  });
});
