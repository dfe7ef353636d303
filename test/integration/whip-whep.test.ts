import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift, type TestPublisher, type TestViewer } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** Closes a client's UDP sockets without a word, as when a phone walks out of Wi-Fi range. */
async function freeze(client: { pc: TestViewer['pc'] }): Promise<void> {
  for (const transport of client.pc.iceTransports) {
    const connection = transport.connection as unknown as { protocols: Array<{ close(): Promise<void> }> };
    for (const protocol of connection.protocols) await protocol.close();
  }
}

describe('WHIP publish and WHEP play through the real node (werift clients, 127.0.0.1)', () => {
  let node: Node;
  let base: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    node = await startTestNode({ silenceTimeoutMs: 1500, reconnectGraceMs: 1000 });
    base = `http://127.0.0.1:${node.port}`;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    await node.close();
  });

  async function goLive(): Promise<TestPublisher> {
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    await waitFor('the set to be live', () => node.sfu.status().live);
    return publisher;
  }

  async function watch(): Promise<TestViewer> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    return viewer;
  }

  it('answers a WHIP offer with 201, a Location and an ICE-lite answer on loopback only', async () => {
    const publisher = await goLive();
    expect(publisher.location).toMatch(/^\/whip\/[0-9a-f-]{36}$/);
    expect(publisher.answer).toMatch(/^a=ice-lite\r?$/m);
    const candidates = publisher.answer.split(/\r?\n/).filter((line) => line.startsWith('a=candidate'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const line of candidates) expect(line).toContain(' 127.0.0.1 ');
    expect(publisher.answer).not.toContain('transport-cc');
  });

  it('forwards audio and video to a viewer and asks the publisher for a keyframe when it joins', async () => {
    const publisher = await goLive();
    const plisBefore = publisher.pliCount();
    const viewer = await watch();
    expect(viewer.status).toBe(201);
    expect(viewer.location).toMatch(/^\/whep\/[0-9a-f-]{36}$/);
    await viewer.waitForPackets(20);
    await waitFor('a keyframe request', () => publisher.pliCount() > plisBefore);
    await waitFor('viewer count 1', () => node.sfu.status().viewers === 1);
  });

  it('serves several viewers and counts them; DELETE on a WHEP session removes exactly that viewer', async () => {
    await goLive();
    const [a, b] = [await watch(), await watch()];
    await Promise.all([a.waitForPackets(10), b.waitForPackets(10)]);
    await waitFor('viewer count 2', () => node.sfu.status().viewers === 2);

    const res = await fetch(`${base}${a.location}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitFor('viewer count 1', () => node.sfu.status().viewers === 1);
    const before = b.packets.video;
    await waitFor('the other viewer to keep receiving', () => b.packets.video > before + 10);
    expect((await fetch(`${base}${a.location}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a second publisher with 409 and a clear message while the first is live', async () => {
    await goLive();
    const second = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => second.stop());
    expect(second.status).toBe(409);
    expect(JSON.parse(second.answer)).toMatchObject({ error: 'already_live', message: expect.stringContaining('already live') });
  });

  it('ends the set on WHIP DELETE: viewers are closed and the node reports offline', async () => {
    const publisher = await goLive();
    const viewer = await watch();
    await viewer.waitForPackets(5);
    const unauthorised = await fetch(`${base}${publisher.location}`, { method: 'DELETE' });
    expect(unauthorised.status).toBe(401);
    const res = await fetch(`${base}${publisher.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(node.sfu.status()).toMatchObject({ live: false, viewers: 0 });
    expect(node.sfu.stage).toBeUndefined();
    // A new set can start right away.
    const again = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => again.stop());
    expect(again.status).toBe(201);
  });

  it('drops a viewer that vanishes without saying goodbye (no DELETE, no DTLS close)', async () => {
    await goLive();
    const viewer = await watch();
    await viewer.waitForPackets(5);
    await waitFor('viewer count 1', () => node.sfu.status().viewers === 1);
    await freeze(viewer);
    await waitFor('the silent viewer to be dropped', () => node.sfu.stage?.sessionCount === 0, 8000);
    expect(node.sfu.status().viewers).toBe(0);
  });

  // A lost publisher interrupts the set; it ends when nobody comes back within the grace period
  // (1 s here; test/integration/publisher-reconnect.test.ts covers coming back).
  it('ends the set when the publisher closes its peer connection and does not come back', async () => {
    const publisher = await goLive();
    await publisher.stop();
    await waitFor('offline', () => !node.sfu.status().live, 10_000);
    expect(node.sfu.stage).toBeUndefined();
  });

  it('ends the set when the publisher goes silent without closing and does not come back', async () => {
    const publisher = await goLive();
    await freeze(publisher);
    await waitFor('the set to wait for its publisher', () => node.sfu.status().interrupted, 8000);
    expect(node.sfu.status().live).toBe(true);
    await waitFor('offline', () => !node.sfu.status().live, 8000);
    expect(node.sfu.stage).toBeUndefined();
  });
  it('takes a viewer\'s quality choice at the session\'s layer link, and refuses bad ones clearly', async () => {
    await goLive();
    const viewer = await watch();
    const layerUrl = `${base}${viewer.location}/layer`;
    const post = (body: string, url = layerUrl) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    for (const quality of ['low', 'high', 'medium', 'auto']) expect((await post(JSON.stringify({ quality }))).status).toBe(204);
    const wrong = await post(JSON.stringify({ quality: 'ultra' }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('bad_layer');
    expect((await post('{"quality":')).status).toBe(400);
    expect((await post(JSON.stringify({ quality: 'low', extra: 1 }))).status).toBe(400);
    expect((await post(JSON.stringify({ quality: 'low' }), `${base}/whep/00000000-0000-0000-0000-000000000000/layer`)).status).toBe(404);
    // A publisher without simulcast has one layer: whatever is chosen, the viewer stays on it
    // (as its forwarding thread reports it on the next layers tick).
    const session = viewer.location?.split('/').pop() ?? '';
    await waitFor('the viewer on the one layer', () => node.sfu.stage!.viewerLayers().get(session) === '');
    expect([...node.sfu.stage!.viewerLayers().values()]).toEqual(['']);
  });
});
