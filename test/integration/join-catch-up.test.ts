/**
 * A joining viewer's first picture (issue #9, time to first frame): the node asks the publisher
 * for a keyframe when the viewer's offer arrives, keeps each layer's packets since its last
 * keyframe (GopCache), and hands a viewer whose connection comes up that group at once — with its
 * frames squeezed into the newest frame's moment — then the live packets, numbered on without a
 * gap. Real werift publisher and viewers on 127.0.0.1, the real node, through a forwarding thread
 * (the cache next to the thread's viewers) and on the main thread (the node's own layers).
 */
import { describe, expect, it } from 'vitest';
import { liveSetWithWeriftPublisher, nodePerTest } from '../helpers/live-set.js';
import { playWithWerift, type ReceivedPacket, type TestPublisher } from '../helpers/werift-client.js';

/** The test publisher's frames are 3000 ticks (1/30 s at 90 kHz) apart, one packet each. */
const FRAME_TICKS = 3000;

describe('a joining viewer starts from the cached group of pictures', () => {
  const { cleanups, start } = nodePerTest();

  async function liveSet(forwardingThreads: number): Promise<{ base: string; publisher: TestPublisher }> {
    const node = await start({ forwardingThreads });
    const { base, publisher } = await liveSetWithWeriftPublisher(node, cleanups, { keyframeOnRequest: true });
    // Past the first keyframe's group (60 frames, 2 s), so a viewer can only start at once from a
    // keyframe made for it.
    await new Promise((resolve) => setTimeout(resolve, 2300));
    return { base, publisher };
  }

  async function firstVideo(base: string): Promise<ReceivedPacket[]> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    await viewer.waitForPackets(40);
    return viewer.received.video;
  }

  /** The first packet is a keyframe; the group follows squeezed, then the live frames, without a gap. */
  function expectCaughtUp(video: ReceivedPacket[]): void {
    expect(video[0]!.keyframe).toBe(true);
    for (let i = 1; i < video.length; i++) {
      expect((video[i]!.sequenceNumber - video[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    }
    const steps = video.slice(1).map((packet, i) => (packet.timestamp - video[i]!.timestamp) >>> 0);
    const squeezed = steps.findIndex((step) => step !== 1);
    // The frames cached before the connection came up: one tick apart…
    expect(squeezed).toBeGreaterThanOrEqual(1);
    // …then live, a frame's time apart.
    expect(steps.slice(squeezed).every((step) => step === FRAME_TICKS)).toBe(true);
  }

  it.each([
    ['through a forwarding thread', 1],
    ['on the main thread', 0],
  ])('%s: the group from the keyframe asked for at the offer, then live', async (_, threads) => {
    const { base, publisher } = await liveSet(threads);
    const before = publisher.pliCount();
    const video = await firstVideo(base);
    expectCaughtUp(video);
    // One keyframe asked for (at the offer), not a second once connected: the cache answered.
    expect(publisher.pliCount() - before).toBe(1);
  });
});
