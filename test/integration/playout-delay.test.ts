/**
 * The playout-delay hint (issue #9, latency): a viewer whose offer includes the extension, as
 * Chromium's does, gets it on every video packet — 0–400 ms, Chromium's low-latency renderer
 * range — and never on audio. Real werift publisher and viewers on 127.0.0.1 and the real node,
 * through a forwarding thread and on the main thread (each sends with its own fast path).
 */
import { describe, expect, it } from 'vitest';
import { liveSetWithWeriftPublisher, nodePerTest } from '../helpers/live-set.js';
import { playWithWerift } from '../helpers/werift-client.js';

describe('the playout-delay hint on viewers’ video', () => {
  const { cleanups, start } = nodePerTest();

  it.each([
    ['through a forwarding thread', 1],
    ['on the main thread', 0],
  ])('%s: 0–400 ms on every video packet', async (_, forwardingThreads) => {
    const node = await start({ forwardingThreads });
    const { base } = await liveSetWithWeriftPublisher(node, cleanups, { keyframeOnRequest: true });

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
