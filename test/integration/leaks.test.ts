/**
 * No leaks: 1,000 WHEP viewers (and 200 events sockets) that vanish without a DELETE or a close —
 * half-finished ICE, killed processes, dropped and unresponsive sockets — leave nothing behind once
 * the node's timeouts pass: no sessions, no peers, no timers, no listeners, no sockets, and memory
 * back near where it was. Twice (2,000 viewers), so that a high-water mark and a leak can be told
 * apart. ~2–4 minutes on two loaded cores; CURBCAST_KEEP_DATA=1 keeps the node's log.
 *
 * The node runs in its own process (`--expose-gc`), so its gauges and RSS are its own and a forced
 * collection can tell a closed-but-still-referenced peer (a leak) from garbage not yet collected.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gauges } from '../../server/diagnostics/gauges.js';
import { startViewerFarm, type ViewerFarm } from '../bench/farm-client.js';
import { startChildNode, type ChildNode } from '../helpers/node-child.js';
import { loopbackClientConfig, playWithWerift, publishWithWerift, type TestPublisher } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'leak-test-token-0123456789';
/** Long enough for a real viewer to finish DTLS while farms join at once on two busy cores. */
const CONNECT_TIMEOUT_MS = 5000;
/** Also the publisher's: long enough that a busy test process never makes it look silent. */
const SILENCE_TIMEOUT_MS = 8000;
const HEARTBEAT_MS = 1000;

/** How the 1,000 viewers vanish: 940 + 2 × 20 + 20. */
const HALF_ICE = 940;
const KILLED_FARMS = 2;
const VIEWERS_PER_FARM = 20;
/** A third farm is killed while its viewers are still joining (one of them mid-ICE/DTLS). */
const KILLED_MID_JOIN = 20;
const DROPPED_SOCKETS = 100;
const DEAF_SOCKETS = 100;

/** GET /api/admin/gauges on a connection of its own (closed after), so it never holds a keep-alive socket. */
function gauges(base: string, gc = false): Promise<Gauges> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/api/admin/gauges${gc ? '?gc=1' : ''}`,
      { headers: { Authorization: `Bearer ${TOKEN}`, Connection: 'close' }, agent: false, timeout: 20_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as Gauges) : reject(new Error(`gauges ${res.statusCode}: ${body}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('gauges timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A real werift viewer's offer (loopback candidates only); the peer is closed, the SDP reused. */
async function viewerOffer(): Promise<string> {
  const pc = new RTCPeerConnection(loopbackClientConfig());
  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await waitFor('gathering', () => pc.iceGatheringState === 'complete', 5000, 20);
    return pc.localDescription!.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\r\n');
  } finally {
    await pc.close();
  }
}

/** Runs `task(i)` for i < n with at most `limit` at once. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

function openSocket(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/events`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Says hello, chats once and waits until the node has broadcast that line back. */
async function helloAndChat(socket: WebSocket, i: number): Promise<void> {
  const heard = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no chat echo')), 10_000);
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string; message?: { text: string } };
      if (event.type === 'chat' && event.message?.text === `hi ${i}`) {
        clearTimeout(timer);
        resolve();
      }
      if (event.type === 'error') reject(new Error(String(data)));
    });
  });
  socket.send(JSON.stringify({ type: 'hello', clientId: `leak-client-${i}-${'x'.repeat(16)}`, name: `Leak ${i}` }));
  socket.send(JSON.stringify({ type: 'chat', text: `hi ${i}` }));
  await heard;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function summary(g: Gauges): string {
  const m = g.memory;
  return JSON.stringify({
    open: g.open,
    inMemory: g.inMemory,
    resources: g.resources,
    listeners: g.listeners,
    memoryMB: { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) },
  });
}

describe('no leaks after 1,000 viewers vanish', () => {
  let dataDir: string | undefined;
  let node: ChildNode | undefined;
  let publisher: TestPublisher | undefined;
  const farms: ViewerFarm[] = [];
  const sockets: WebSocket[] = [];

  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    for (const farm of farms) farm.killNow();
    await publisher?.stop().catch(() => undefined);
    await node?.stop();
    if (dataDir && !process.env.CURBCAST_KEEP_DATA) await rm(dataDir, { recursive: true, force: true });
    else if (dataDir) process.stderr.write(`leak test data kept in ${dataDir}\n`);
  });

  it('leaves 0 sessions, peers, timers, sockets and extra listeners, and memory near its baseline', { timeout: 300_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'curbcast-leaks-'));
    node = await startChildNode(
      {
        dataDir,
        publishToken: TOKEN,
        maxViewers: 5000,
        // Every viewer here comes from 127.0.0.1: lift the per-address caps (and their 429s).
        viewerLimits: { perIp: 5000, burstPerIp: 5000 },
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        silenceTimeoutMs: SILENCE_TIMEOUT_MS,
        heartbeatMs: HEARTBEAT_MS,
        archive: { record: false },
      },
      ['--expose-gc'],
    );
    const base = node.baseUrl;
    const log = (line: string) => process.stderr.write(`[leaks ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

    // Going live can fail when the machine is saturated (DTLS timing out): try a few times.
    for (let attempt = 1; ; attempt++) {
      publisher = await publishWithWerift(base, TOKEN);
      expect(publisher.status).toBe(201);
      publisher.startMedia();
      publisher.pc.connectionStateChange.subscribe((state) => log(`publisher connection ${state}`));
      // This publisher stands in for OBS or the studio; on two saturated cores the node answers its
      // ICE consent checks late, and werift's client gives up after 30 s of late answers. What is
      // under test is the viewers, so its consent checks are switched off (media still flows).
      publisher.pc.connectionStateChange.subscribe((state) => {
        if (state !== 'connected') return;
        for (const transport of publisher!.pc.iceTransports) {
          const ice = transport.connection as unknown as { stopConsentLifecycle(): void; consentFresh: boolean };
          ice.stopConsentLifecycle();
          ice.consentFresh = true;
        }
      });
      const live = await waitFor('live', async () => (await gauges(base)).sfu.live, 20_000).catch(() => false);
      if (live) break;
      await publisher.stop();
      if (attempt === 3) throw new Error('the publisher never went live');
      await waitFor('the failed set to end', async () => !(await gauges(base)).sfu.stage, 40_000, 500);
    }

    // Warm-up: one of each way in and out, so what is allocated once per process is in the baseline.
    const warm = await playWithWerift(base);
    await warm.waitForPackets(10);
    expect((await fetch(`${base}${warm.location}`, { method: 'DELETE' })).status).toBe(200);
    await warm.stop();
    const offer = await viewerOffer();
    expect((await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer })).status).toBe(201);
    const warmSocket = await openSocket(node.port);
    await helloAndChat(warmSocket, -1);
    warmSocket.terminate();

    const settled = async (what: string): Promise<Gauges> =>
      waitFor<Gauges | false>(
        what,
        async (): Promise<Gauges | false> => {
          const g = await gauges(base, true);
          const quiet =
            g.sfu.viewerSessions === 0 &&
            (g.open.viewer ?? 0) === 0 &&
            (g.open['connect-timer'] ?? 0) === 0 &&
            (g.open['events-socket'] ?? 0) === 0 &&
            g.sockets.events === 0 &&
            // Only this request's own connection (keep-alive sockets of earlier requests have timed out).
            g.sockets.http === 1 &&
            (g.inMemory.viewer ?? 0) === 0;
          return quiet && g;
        },
        60_000,
        1000,
      ) as Promise<Gauges>;
    const baseline = await settled('the warm-up to settle');
    log(`baseline: ${summary(baseline)}`);

    /** 1,000 WHEP viewers and 200 events sockets that vanish (only the half-ICE ones when `halfIceOnly`). */
    /** The highest RSS a round showed while loaded (the (b) reading): its working size. */
    const loadedRss: number[] = [];
    const round = async (name: string, halfIceOnly = false): Promise<Gauges> => {
      const started = Date.now();
      let created = 0;
      // (a) Half-finished ICE: a real offer is answered and the viewer never connects.
      let offerSdp = offer;
      await pool(HALF_ICE, 12, async (i) => {
        if (i % 50 === 49) offerSdp = await viewerOffer();
        const res = await fetch(`${base}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offerSdp });
        await res.text();
        expect(res.status).toBe(201);
        created++;
      });
      log(`${name} (a) ${HALF_ICE} half-finished ICE sessions in ${Date.now() - started} ms`);
      if (halfIceOnly) return settled(`${name}: the half-finished sessions to time out`);

      // (b) Killed peers: real viewers, playing, in child processes that are SIGKILLed.
      const bStarted = Date.now();
      const killedFarms = await Promise.all(Array.from({ length: KILLED_FARMS }, () => startViewerFarm()));
      farms.push(...killedFarms);
      const joined = await Promise.all(killedFarms.map((farm) => farm.add(base, VIEWERS_PER_FARM, 8000)));
      // A join that failed on a loaded machine (DTLS not done before the node's connect timeout,
      // seen at load averages of 8–12 on two cores) is one more vanished viewer, not an error here;
      // but most must really play, or this would not test killed *playing* peers.
      const playingViewers = joined.reduce((n, r) => n + r.joined, 0);
      created += KILLED_FARMS * VIEWERS_PER_FARM;
      const playing = await gauges(base);
      loadedRss.push(playing.memory.rss);
      log(`${name} (b) ${playingViewers} viewers playing (node: ${playing.sfu.viewersConnected} connected) after ${Date.now() - bStarted} ms; failed joins: ${JSON.stringify(joined.flatMap((r) => r.failed))}`);
      expect(playingViewers).toBeGreaterThanOrEqual(KILLED_FARMS * VIEWERS_PER_FARM * 0.5);
      expect(playing.sfu.viewersConnected).toBeGreaterThan(0);
      for (const farm of killedFarms) farm.killNow();
      const midJoin = await startViewerFarm();
      farms.push(midJoin);
      void midJoin.add(base, KILLED_MID_JOIN, 8000).catch(() => undefined);
      // The farm joins one at a time: with 4 started, 3 play and the 4th is somewhere in ICE/DTLS.
      await waitFor('viewers to start joining', async () => (await midJoin.snapshot()).viewers.length >= 4, 30_000, 20);
      midJoin.killNow();
      created += KILLED_MID_JOIN;
      log(`${name} (b) ${playingViewers} playing viewers killed, and a farm killed mid-join in ${Date.now() - bStarted} ms`);

      // (c) Events sockets: dropped without a close frame, or alive but deaf to pings.
      const cStarted = Date.now();
      await pool(DROPPED_SOCKETS + DEAF_SOCKETS, 20, async (i) => {
        const socket = await openSocket(node!.port);
        sockets.push(socket);
        await helloAndChat(socket, i);
        if (i < DROPPED_SOCKETS) socket.terminate();
        else {
          // Stop reading: pings pile up unanswered, as with a phone whose radio went quiet.
          socket.pong = () => undefined;
          (socket as unknown as { _socket: { pause(): void } })._socket.pause();
        }
      });
      log(`${name} (c) ${DROPPED_SOCKETS} dropped and ${DEAF_SOCKETS} deaf events sockets in ${Date.now() - cStarted} ms`);
      expect(created).toBe(1000);

      const after = await settled(`${name}: every vanished viewer and socket to be dropped`);
      for (const socket of sockets.splice(0)) socket.terminate();
      log(`${name} settled after ${Math.round((Date.now() - started) / 1000)} s: ${summary(after)}`);
      return after;
    };

    // The first 1,000 bring the process to its working size: memory freed inside it is not all
    // handed back to the OS (measured: RSS 182 → 287 → 297 → 299 MB over three rounds of 940
    // never-connecting peers, while the heap went back to 30–33 MB each time). A leak grows with
    // every round; a high-water mark does not. So: two rounds, and the second must not grow RSS.
    const first = await round('first 1,000');
    const after = await round('second 1,000');
    log(`RSS: ${mb(baseline.memory.rss)} MB before any load, ${mb(first.memory.rss)} MB after the first 1,000, ${mb(after.memory.rss)} MB after the second`);
    for (const [label, g] of [['first 1,000', first], ['second 1,000', after]] as const) {
      expect(g.sfu, label).toMatchObject({ live: true, viewerSessions: 0, viewersConnected: 0 });
      expect(g.open, label).toEqual(baseline.open);
      expect(g.timers, label).toEqual(baseline.timers);
      expect(g.inMemory.viewer ?? 0, label).toBe(0);
      expect(g.inMemory['events-socket'] ?? 0, label).toBe(0);
      expect(g.listeners, label).toEqual(baseline.listeners);
      expect(g.resources.UDPWrap ?? 0, `${label}: werift UDP sockets`).toBe(baseline.resources.UDPWrap ?? 0);
      expect(g.resources.TCPSocketWrap ?? 0, `${label}: TCP sockets`).toBe(baseline.resources.TCPSocketWrap ?? 0);
      // Every ref'd timer in the process, werift's included (a leaked peer leaves several): our own
      // are asserted exactly above; one lazily started timer appears with the first crowd and stays.
      expect(g.resources.Timeout ?? 0, `${label}: active timers`).toBeLessThanOrEqual((baseline.resources.Timeout ?? 0) + 2);
      // The JS heap after a full collection is the sharp leak signal: a viewer with its werift
      // peer holds ~100 KB, so even 2% of 1,000 kept would show as ~2 MB more per round.
      expect(mb(g.memory.heapUsed - baseline.memory.heapUsed), `${label}: heap growth, MB`).toBeLessThan(6);
    }
    expect(after.resources.Timeout ?? 0, 'active timers: the second 1,000 add none').toBeLessThanOrEqual(first.resources.Timeout ?? 0);
    // RSS: the second 1,000 end within 10% (at least 30 MB: how much the peak concurrency, and so
    // the high-water mark, varies with the machine's load) of the first 1,000's working size: where
    // they ended, or what they reached under load when the allocator gave memory back after them
    // (seen: 249 MB baseline, 381 MB loaded, 213 MB settled, then 382 MB after the second).
    const reference = Math.max(mb(first.memory.rss), mb(loadedRss[0] ?? 0));
    expect(mb(after.memory.rss), 'RSS after the second 1,000, MB').toBeLessThan(reference + Math.max(reference * 0.1, 30));
  });
});
