/**
 * A publisher whose connection drops and comes back keeps its audience: the set waits (grace
 * period) for a new WHIP session, which continues the set's tracks for the viewers' existing
 * sessions — one SSRC, sequence numbers following on, the clock advanced by the time away — and
 * the recording goes on in the same set. Real werift peers over 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift, type ReceivedPacket, type TestPublisher, type TestViewer } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** Closes a client's UDP sockets without a word: its network is gone. */
async function cutNetwork(client: { pc: TestViewer['pc'] }): Promise<void> {
  for (const transport of client.pc.iceTransports) {
    const connection = transport.connection as unknown as { protocols: Array<{ close(): Promise<void> }> };
    for (const protocol of connection.protocols) await protocol.close();
  }
}

/** The set being recorded, or undefined. */
const recordingSet = (node: Node) => (node.archive.state.state === 'recording' ? node.archive.state.setId : undefined);

/** Packets of a viewer's stream that arrived after `since`. */
const after = (packets: ReceivedPacket[], since: number) => packets.filter((p) => p.at > since);

describe('a publisher that reconnects keeps the set and its audience', { timeout: 60_000 }, () => {
  let node: Node;
  let base: string;
  const cleanups: Array<() => Promise<void>> = [];

  async function start(options: Parameters<typeof startTestNode>[0] = {}): Promise<void> {
    // 2.5 s: a lost publisher is noticed quickly, while the werift test viewer (receiver reports
    // every 0.5–1.5 s, and none of its own RTP) is never taken for a vanished one.
    node = await startTestNode({ silenceTimeoutMs: 2500, reconnectGraceMs: 20_000, ...options });
    base = `http://127.0.0.1:${node.port}`;
  }
  async function publish(path = '/whip'): Promise<TestPublisher> {
    const publisher = await publishWithWerift(base, TEST_TOKEN, path);
    cleanups.push(() => publisher.stop());
    return publisher;
  }
  async function watch(): Promise<TestViewer> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    await viewer.waitForPackets(10);
    return viewer;
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await node?.close();
  });

  it('a lost publisher interrupts the set; a new session within the grace continues it on the same viewer sessions', async () => {
    await start();
    const first = await publish();
    first.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const stage = node.sfu.stage;
    const setId = await waitFor('the recording to start', () => recordingSet(node));
    const viewer = await watch();
    await waitFor('one viewer', () => node.sfu.status().viewers === 1);

    await cutNetwork(first);
    await waitFor('the set to wait for its publisher', () => node.sfu.status().interrupted, 8000);
    expect(node.sfu.status()).toMatchObject({ live: true, viewers: 1, interrupted: true });
    const lastBefore = viewer.received.video.at(-1)!;
    // While the set waits, another publisher with the token may take it up (the busker's OBS, say).
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const second = await publish();
    expect(second.status).toBe(201);
    expect(second.location).not.toBe(first.location);
    second.startMedia();
    const back = Date.now();
    await waitFor('the set to carry on', () => !node.sfu.status().interrupted, 8000);
    await waitFor('video on the same viewer session', () => after(viewer.received.video, back).length >= 10, 5000);

    expect(node.sfu.stage).toBe(stage);
    expect(recordingSet(node)).toBe(setId);
    expect(node.sfu.stage?.sessionCount).toBe(1);
    const resumed = after(viewer.received.video, back);
    // One stream for the viewer: same SSRC, the next sequence number, the clock moved on by the time away.
    expect(new Set(viewer.received.video.map((p) => p.ssrc)).size).toBe(1);
    expect(resumed[0]!.sequenceNumber).toBe((lastBefore.sequenceNumber + 1) & 0xffff);
    const awaySeconds = ((resumed[0]!.timestamp - lastBefore.timestamp) >>> 0) / 90_000;
    expect(awaySeconds).toBeGreaterThan(1.5);
    expect(awaySeconds).toBeLessThan((resumed[0]!.at - lastBefore.at) / 1000 + 0.5);
    // The new session asked for a keyframe for the viewers' decoders.
    expect(second.pliCount()).toBeGreaterThan(0);
  });

  it('the studio may take its own set over before the node noticed the loss, by naming its session', async () => {
    await start();
    const first = await publish();
    first.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const viewer = await watch();

    // Without the session's id a second publisher is refused while the first is fine.
    const stranger = await publish();
    expect(stranger.status).toBe(409);

    const firstId = first.location!.split('/').pop()!;
    const second = await publish(`/whip?resume=${firstId}`);
    expect(second.status).toBe(201);
    second.startMedia();
    const back = Date.now();
    await waitFor('the new session to carry the set', () => !node.sfu.status().interrupted && node.sfu.stage?.publisher.id === second.location?.split('/').pop(), 8000);
    await waitFor('video from the new session', () => after(viewer.received.video, back).length >= 10, 5000);

    // The replaced session ends nothing; the current one ends the set.
    const stale = await fetch(`${base}${first.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(stale.status).toBe(404);
    expect(node.sfu.status().live).toBe(true);
    const end = await fetch(`${base}${second.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(end.status).toBe(200);
    expect(node.sfu.status().live).toBe(false);
  });

  it('End set pressed while reconnecting (the old session, during the wait) ends the set at once', async () => {
    await start();
    const first = await publish();
    first.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    await cutNetwork(first);
    await waitFor('the set to wait', () => node.sfu.status().interrupted, 8000);
    const end = await fetch(`${base}${first.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(end.status).toBe(200);
    expect(node.sfu.status()).toMatchObject({ live: false, interrupted: false });
    expect(node.sfu.stage).toBeUndefined();
  });

  it('the grace period ends a set nobody comes back to, closing its viewers', async () => {
    await start({ reconnectGraceMs: 1500 });
    const first = await publish();
    first.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    await watch();
    await cutNetwork(first);
    await waitFor('the set to wait', () => node.sfu.status().interrupted, 8000);
    const waitingSince = Date.now();
    await waitFor('the set to end', () => !node.sfu.status().live, 8000);
    expect(Date.now() - waitingSince).toBeGreaterThan(1000);
    expect(node.sfu.stage).toBeUndefined();
    await waitFor('the recording to be finalised', () => node.archive.state.state !== 'recording', 10_000);
  });

  it('refuses a storm of publish attempts with 429, without touching the live set', async () => {
    await start();
    const first = await publish();
    first.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) answers.push((await publish()).status);
    expect(answers.slice(0, 5).every((status) => status === 409)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    expect(node.sfu.status()).toMatchObject({ live: true, interrupted: false });
  });
});
