/**
 * "Also publish to" (issue #8, part 3): node A relays its live set over WHIP to node B, a second
 * Curbcast on 127.0.0.1 standing in for LiveKit, Cloudflare, MediaMTX… B's viewers play; B going
 * away never disturbs A's own audience or recording, and A's relay comes back by itself when B
 * does; the end of A's set ends B's (the relay's DELETE); a wrong token fails once, without retries.
 */
import { promises as dns } from 'node:dns';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RelayAnswer, RelayState } from '../../common/relay.js';
import { instances } from '../../server/diagnostics/gauges.js';
import { openEventsSocket, type EventsSocket } from '../helpers/events-socket.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { playWithWerift, publishWithWerift, type TestPublisher, type TestViewer } from '../helpers/werift-client.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

const TARGET_TOKEN = 'target-token-fedcba9876543210';

describe('relay: also publish to another node over WHIP', { timeout: 120_000 }, () => {
  let a: Node;
  let b: Node | undefined;
  let bDir: string;
  let bPort = 0;
  const cleanups: Array<() => Promise<unknown>> = [];
  /** Every host name werift or fetch looked up: nothing may leave the machine, not even a DNS query. */
  const lookups: string[] = [];
  /** The relay's POSTs to B's /whip, counted through fetch. */
  let whipPosts = 0;

  const baseA = () => `http://127.0.0.1:${a.port}`;
  const baseB = () => `http://127.0.0.1:${bPort}`;
  const admin = (token = TEST_TOKEN) => ({ Authorization: `Bearer ${token}` });

  beforeAll(() => {
    const realLookup = dns.lookup.bind(dns);
    vi.spyOn(dns, 'lookup').mockImplementation(((host: string, ...rest: unknown[]) => {
      lookups.push(host);
      return (realLookup as (...args: unknown[]) => unknown)(host, ...rest);
    }) as typeof dns.lookup);
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (init?.method === 'POST' && bPort !== 0 && url.startsWith(`${baseB()}/whip`)) whipPosts++;
      return realFetch(input, init);
    });
  });
  afterAll(() => vi.restoreAllMocks());

  beforeEach(async () => {
    a = await startTestNode();
    bDir = await mkdtemp(join(tmpdir(), 'curbcast-relay-target-'));
    await startTarget();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await a.close();
    await b?.close();
    b = undefined;
    bPort = 0;
    await rm(bDir, { recursive: true, force: true });
    // Whatever happened, no host name was looked up (werift's fallback STUN server is one).
    expect(lookups.filter((host) => isIP(host) === 0 && host !== 'localhost')).toEqual([]);
  });

  /** B on its own data folder and token; after the first start, on the same port again. */
  async function startTarget(): Promise<Node> {
    b = await startTestNode({ dataDir: bDir, publishToken: TARGET_TOKEN, port: bPort });
    bPort = b.port;
    return b;
  }

  async function goLiveOnA(): Promise<TestPublisher> {
    const publisher = await publishWithWerift(baseA(), TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    await waitFor('A live', () => a.sfu.status().live);
    return publisher;
  }

  async function watch(base: string): Promise<TestViewer> {
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    return viewer;
  }

  async function putRelay(body: unknown, token = TEST_TOKEN): Promise<Response> {
    return fetch(`${baseA()}/api/relay`, { method: 'PUT', headers: { ...admin(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  async function relayAnswer(): Promise<RelayAnswer> {
    const res = await fetch(`${baseA()}/api/relay`, { headers: admin() });
    expect(res.status).toBe(200);
    return (await res.json()) as RelayAnswer;
  }

  /** Video packets keep arriving at a viewer: `n` more within the time allowed. */
  async function keepsReceiving(viewer: TestViewer, what: string, n = 30, timeoutMs = 10_000): Promise<void> {
    const from = viewer.packets.video;
    await waitFor(`${what} (${n} more video packets)`, () => viewer.packets.video >= from + n, timeoutMs);
  }

  const openRelaySessions = () => instances.open()['relay-session'] ?? 0;

  async function recordingSize(node: Node): Promise<number> {
    const state = node.archive.state;
    if (state.state !== 'recording') return -1;
    const row = node.db.prepare('SELECT file FROM recordings WHERE id = ?').get(state.recordingId) as { file: string };
    return (await stat(join(node.dataDir, row.file))).size;
  }

  async function buskerSocket(): Promise<EventsSocket> {
    const socket = await openEventsSocket(a.port);
    cleanups.push(async () => socket.close());
    expect((await socket.hello({ token: TEST_TOKEN })).role).toBe('busker');
    return socket;
  }

  const relayEvents = (socket: EventsSocket): RelayState[] => socket.all('relay').map((event) => event.state);

  it('relays the set to B, rides out B going away and coming back, and ends B’s set with its own', async () => {
    expect(openRelaySessions()).toBe(0);
    const busker = await buskerSocket();

    // Enabled while offline: waiting. The token never comes back.
    const saved = await putRelay({ enabled: true, url: `${baseB()}/whip`, token: TARGET_TOKEN });
    expect(saved.status).toBe(200);
    const savedText = await saved.text();
    expect(savedText).not.toContain(TARGET_TOKEN);
    expect(JSON.parse(savedText)).toEqual({ settings: { enabled: true, url: `${baseB()}/whip`, hasToken: true }, state: { kind: 'waiting' } });
    expect(JSON.stringify(await relayAnswer())).not.toContain(TARGET_TOKEN);

    // A goes live → the relay connects → B is live and its viewers play.
    await goLiveOnA();
    const ownViewer = await watch(baseA());
    await ownViewer.waitForPackets(20);
    const live = await busker.next('relay', (e) => e.state.kind === 'live', 0, 20_000);
    expect(live.state).toMatchObject({ kind: 'live', target: `127.0.0.1:${bPort}` });
    expect(relayEvents(busker).map((s) => s.kind)).toEqual(['waiting', 'connecting', 'live']);
    expect((await relayAnswer()).state.kind).toBe('live');
    expect(b!.sfu.status().live).toBe(true);
    expect(openRelaySessions()).toBe(1);
    const viewerOnB = await watch(baseB());
    await viewerOnB.waitForPackets(20);
    await keepsReceiving(viewerOnB, 'B’s viewer');

    // B goes away: the relay retries with a reason; A's viewer and recording carry on meanwhile.
    const recordingBefore = await recordingSize(a);
    expect(recordingBefore).toBeGreaterThan(0);
    const eventsBeforeLoss = busker.events.length;
    await b!.close();
    b = undefined;
    const retrying = await busker.next('relay', (e) => e.state.kind === 'retrying', eventsBeforeLoss, 20_000);
    if (retrying.state.kind !== 'retrying') throw new Error('unreachable');
    expect(retrying.state.reason.length).toBeGreaterThan(5);
    expect(retrying.state.retryAt).toBeGreaterThan(Date.now() - 60_000);
    await keepsReceiving(ownViewer, 'A’s own viewer while B is down');
    await waitFor('A’s recording to grow while B is down', async () => (await recordingSize(a)) > recordingBefore, 10_000);
    expect(a.sfu.status().live).toBe(true);
    // A failed attempt against a dead port says so.
    const refused = await busker.next('relay', (e) => e.state.kind === 'retrying' && /refused/.test(e.state.reason), eventsBeforeLoss, 20_000);
    expect(refused.state).toMatchObject({ kind: 'retrying', reason: expect.stringContaining(`127.0.0.1:${bPort}`) });

    // B is back on the same port: the relay goes live again by itself, and a new viewer on B plays.
    const eventsBeforeReturn = busker.events.length;
    await startTarget();
    await busker.next('relay', (e) => e.state.kind === 'live', eventsBeforeReturn, 40_000);
    await waitFor('B live again', () => b!.sfu.status().live, 10_000);
    const secondViewerOnB = await watch(baseB());
    await secondViewerOnB.waitForPackets(20);
    await keepsReceiving(secondViewerOnB, 'B’s new viewer');
    await waitFor('one relay session', () => openRelaySessions() === 1, 5000);

    // A's set ends: the relay DELETEs its session, so B's set ends at once (a lost publisher would
    // leave it waiting 30 s), and the relay waits for the next set with nothing left open.
    const publisherLocation = a.sfu.stage!.publisher.id;
    const ended = await fetch(`${baseA()}/whip/${publisherLocation}`, { method: 'DELETE', headers: admin() });
    expect(ended.status).toBe(200);
    await waitFor('B’s set to end with A’s', () => !b!.sfu.status().live, 5000);
    expect((await relayAnswer()).state).toEqual({ kind: 'waiting' });
    await waitFor('no relay session left', () => openRelaySessions() === 0, 5000);
  });

  it('a refused token fails with the reason, once: no retries until the settings change', async () => {
    await goLiveOnA();
    const busker = await buskerSocket();
    const postsBefore = whipPosts;
    expect((await putRelay({ enabled: true, url: `${baseB()}/whip`, token: 'not-the-target-token' })).status).toBe(200);
    const failed = await busker.next('relay', (e) => e.state.kind === 'failed', 0, 15_000);
    expect(failed.state).toMatchObject({ kind: 'failed', target: `127.0.0.1:${bPort}`, reason: expect.stringMatching(/refused the token \(401/) });
    if (failed.state.kind === 'failed') expect(failed.state.reason).not.toContain('not-the-target-token');
    expect(whipPosts - postsBefore).toBe(1);
    // Long enough for two retries, had there been any.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(whipPosts - postsBefore).toBe(1);
    expect((await relayAnswer()).state.kind).toBe('failed');
    expect(b!.sfu.status().live).toBe(false);
    expect(openRelaySessions()).toBe(0);

    // The right token (the URL kept as is): live at once.
    expect((await putRelay({ enabled: true, url: `${baseB()}/whip`, token: TARGET_TOKEN })).status).toBe(200);
    await waitFor('relay live with the right token', async () => (await relayAnswer()).state.kind === 'live', 20_000);
    await waitFor('B live', () => b!.sfu.status().live, 5000);

    // Switched off while live: the relay ends B's set and says off.
    const off = await putRelay({ enabled: false, url: `${baseB()}/whip` });
    expect(((await off.json()) as RelayAnswer)).toEqual({ settings: { enabled: false, url: `${baseB()}/whip`, hasToken: true }, state: { kind: 'off' } });
    await waitFor('B’s set to end', () => !b!.sfu.status().live, 5000);
    await waitFor('no relay session left', () => openRelaySessions() === 0, 5000);
  });

  it('refuses bad settings with 400 and a reason, and needs the publish token', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ enabled: true, url: 'ftp://example.org/whip' }, /http:\/\/ or https:\/\//],
      [{ enabled: true, url: 'not a url' }, /not a web address/],
      [{ enabled: true, url: `http://example.org/${'x'.repeat(2001)}` }, /longer than 2000/],
      [{ enabled: true, url: '' }, /enter the WHIP address/],
      [{ enabled: true, url: 'https://user:pw@example.org/whip' }, /bearer token field/],
      [{ enabled: true, url: 'https://example.org/whip', token: 'two words' }, /printable ASCII/],
      [{ enabled: 'yes', url: 'https://example.org/whip' }, /enabled/],
      [{ enabled: true, url: 'https://example.org/whip', hasToken: true }, /hasToken|unrecognized|Unrecognized/i],
    ];
    for (const [body, message] of cases) {
      const res = await putRelay(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe('bad_relay');
      expect(answer.message).toMatch(message);
    }
    expect((await putRelay({ enabled: true, url: 'https://example.org/whip' }, 'wrong-token-0123456789')).status).toBe(401);
    expect((await fetch(`${baseA()}/api/relay`)).status).toBe(401);
    // Nothing was saved: still off.
    expect(await relayAnswer()).toEqual({ settings: { enabled: false, url: '', hasToken: false }, state: { kind: 'off' } });

    // A token saved once is kept when left out, cleared with "" — and survives a restart of the node.
    expect((await putRelay({ enabled: false, url: 'https://example.org/whip', token: 'secret-stream-key' })).status).toBe(200);
    expect((await putRelay({ enabled: false, url: 'https://example.org/other/whip' })).status).toBe(200);
    expect((await relayAnswer()).settings).toEqual({ enabled: false, url: 'https://example.org/other/whip', hasToken: true });
    const row = a.db.prepare("SELECT value FROM settings WHERE key = 'relay'").get() as { value: string };
    expect(JSON.parse(row.value)).toMatchObject({ token: 'secret-stream-key' });
    expect((await putRelay({ enabled: false, url: 'https://example.org/whip', token: '' })).status).toBe(200);
    expect((await relayAnswer()).settings.hasToken).toBe(false);
  });
});
