/**
 * STUN/TURN settings over HTTP (issue #8): only the publish token writes or reads them, secrets
 * never come back, GET /api/ice is public and mints fresh time-limited credentials on every call
 * (and slows down an address that loops), and WHIP/WHEP 201s carry the servers as RFC 9725 Link
 * headers. The real coturn is in test/e2e/turn.test.ts.
 */
import { createHmac } from 'node:crypto';
import { RTCPeerConnection } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { loopbackClientConfig, publishWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

const SECRET = 'harbour-steps-shared-secret';
const PASSWORD = 'long-term-password-1';

const SERVERS = {
  servers: [
    { urls: ['stun:127.0.0.1:3478'], auth: { kind: 'none' } },
    { urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:443'], auth: { kind: 'rest', secret: SECRET, ttlSeconds: 600 } },
    { urls: ['turn:127.0.0.1:3479'], auth: { kind: 'long-term', username: 'mo', password: PASSWORD, realm: 'curbcast.test' } },
  ],
};

interface ClientServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** A recvonly/sendonly offer from werift on loopback, POSTed; the raw answer with its headers. */
async function postRaw(url: string, direction: 'sendonly' | 'recvonly', headers: Record<string, string> = {}): Promise<{ response: Response; pc: RTCPeerConnection }> {
  const pc = new RTCPeerConnection(loopbackClientConfig());
  pc.addTransceiver('video', { direction });
  pc.addTransceiver('audio', { direction });
  await pc.setLocalDescription(await pc.createOffer());
  await waitFor('gathering', () => pc.iceGatheringState === 'complete', 5000);
  const offer = pc.localDescription!.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\r\n');
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: offer });
  if (response.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: await response.clone().text() });
  return { response, pc };
}

describe('STUN/TURN settings and credentials over HTTP', () => {
  let node: Node;
  let base: string;

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
  });
  afterAll(async () => node?.close());

  const admin = { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' };

  it('by default there are none: /api/ice is public, empty, and uncached', async () => {
    const res = await fetch(`${base}/api/ice`, { headers: { Origin: 'https://elsewhere.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ iceServers: [] });
  });

  it('only the publish token reads or writes the settings', async () => {
    for (const method of ['GET', 'PUT'] as const) {
      const res = await fetch(`${base}/api/ice/settings`, {
        method,
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer wrong-token-0123456789' },
        body: method === 'PUT' ? JSON.stringify(SERVERS) : undefined,
      });
      expect(res.status, method).toBe(401);
    }
    const res = await fetch(`${base}/api/ice`, { headers: { Origin: 'https://elsewhere.example' } });
    expect(await res.json()).toEqual({ iceServers: [] });
  });

  it('refuses bad servers with a message that says what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ servers: [{ urls: ['turn://127.0.0.1:3478'], auth: { kind: 'rest', secret: SECRET } }] }, /servers #1 urls #1: .*no "\/\/"/],
      [{ servers: [{ urls: ['turn:127.0.0.1:3478'], auth: { kind: 'none' } }] }, /needs credentials/],
      [{ servers: [{ urls: ['turn:127.0.0.1:3478'], auth: { kind: 'rest' } }] }, /enter the shared secret/],
      [{ servers: [{ urls: ['turn:127.0.0.1'], auth: { kind: 'long-term', username: 'mo', password: PASSWORD } }] }, /realm/i],
    ];
    for (const [body, message] of cases) {
      const res = await fetch(`${base}/api/ice/settings`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe('bad_ice_servers');
      expect(answer.message).toMatch(message);
    }
  });

  it('saves them; the secret and the password are never returned, only shown as set', async () => {
    const put = await fetch(`${base}/api/ice/settings`, { method: 'PUT', headers: admin, body: JSON.stringify(SERVERS) });
    expect(put.status).toBe(200);
    const putText = await put.text();
    const get = await fetch(`${base}/api/ice/settings`, { headers: admin });
    const getText = await get.text();
    for (const text of [putText, getText]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(PASSWORD);
    }
    const settings = JSON.parse(getText) as { servers: Array<{ id: number; urls: string[]; auth: unknown }> };
    expect(settings.servers.map((s) => s.auth)).toEqual([
      { kind: 'none' },
      { kind: 'rest', secretSet: true, ttlSeconds: 600 },
      { kind: 'long-term', username: 'mo', realm: 'curbcast.test', passwordSet: true },
    ]);
    expect(settings.servers[1]!.urls).toEqual(['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:443']);
    // Kept in the library, secret included (only the node reads it).
    const row = node.db.prepare(`SELECT secret FROM ice_servers WHERE auth = 'rest'`).get() as { secret: string };
    expect(row.secret).toBe(SECRET);
  });

  it('/api/ice mints fresh TURN REST credentials per request, valid for the configured lifetime, verifiable with the secret', async () => {
    const fetchServers = async () => ((await (await fetch(`${base}/api/ice`)).json()) as { iceServers: ClientServer[] }).iceServers;
    const before = Math.floor(Date.now() / 1000);
    const [first, second] = [await fetchServers(), await fetchServers()];
    const after = Math.floor(Date.now() / 1000);
    expect(first).toHaveLength(3);
    expect(first[0]).toEqual({ urls: ['stun:127.0.0.1:3478'] });
    const rest = [first[1]!, second[1]!];
    expect(rest[0]!.username).not.toBe(rest[1]!.username);
    for (const server of rest) {
      const [expiry] = server.username!.split(':');
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
      expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
      // What coturn computes from its static-auth-secret.
      expect(server.credential).toBe(createHmac('sha1', SECRET).update(server.username!).digest('base64'));
    }
    // Long-term: the password necessarily goes to the browser (the docs say why REST is preferred).
    expect(first[2]).toEqual({ urls: ['turn:127.0.0.1:3479'], username: 'mo', credential: PASSWORD });
    expect(JSON.stringify(first)).not.toContain(SECRET);
  });

  it('WHIP and WHEP 201s carry the servers as Link rel="ice-server" headers (RFC 9725 §4.6)', async () => {
    const whip = await postRaw(`${base}/whip`, 'sendonly', { Authorization: `Bearer ${TEST_TOKEN}` });
    expect(whip.response.status).toBe(201);
    await waitFor('live', () => node.sfu.status().live, 10_000);
    const whep = await postRaw(`${base}/whep`, 'recvonly', { Origin: 'https://elsewhere.example' });
    expect(whep.response.status).toBe(201);
    // A player on another site may read them.
    expect(whep.response.headers.get('access-control-expose-headers')).toMatch(/\bLink\b/);
    expect(whep.response.headers.get('link')).toContain(`</whep/`);
    expect(whep.response.headers.get('link')).toContain('/layer>; rel="urn:ietf:params:whep:ext:core:layer"');
    for (const { response } of [whip, whep]) {
      // WHEP's 201 also carries the layer link (Auto / High / Low); only the ICE servers count here.
      const links = response.headers.get('link')!.split(/,\s*(?=<)/).filter((link) => link.includes('rel="ice-server"'));
      expect(links).toHaveLength(4);
      expect(links[0]).toBe('<stun:127.0.0.1:3478>; rel="ice-server"');
      const turn = /^<turn:127\.0\.0\.1:3478\?transport=udp>; rel="ice-server"; username="([^"]+)"; credential="([^"]+)"; credential-type="password"$/.exec(links[1]!);
      expect(turn, links[1]).not.toBeNull();
      expect(turn![2]).toBe(createHmac('sha1', SECRET).update(turn![1]!).digest('base64'));
      expect(links[2]).toMatch(/^<turns:turn\.example\.org:443>; rel="ice-server"; username="/);
      expect(links[3]).toBe(`<turn:127.0.0.1:3479>; rel="ice-server"; username="mo"; credential="${PASSWORD}"; credential-type="password"`);
      expect(response.headers.get('link')).not.toContain(SECRET);
    }
    await whep.pc.close();
    await whip.pc.close();
    await fetch(`${base}${whip.response.headers.get('location')}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    await waitFor('set ended', () => !node.sfu.status().live, 10_000);
  });

  it('an address asking in a loop is slowed down (429 with Retry-After); others are not', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const res = await fetch(`${base}/api/ice`);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited, 'refused within 60 quick requests').toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited!.json()) as { error: string }).error).toBe('rate_limited');
    // The studio still publishes: a refused /api/ice only means no STUN/TURN for that session.
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    expect(publisher.status).toBe(201);
    await publisher.stop();
  });

  it('an empty list removes them all', async () => {
    const res = await fetch(`${base}/api/ice/settings`, { method: 'PUT', headers: admin, body: JSON.stringify({ servers: [] }) });
    expect(await res.json()).toEqual({ servers: [] });
    expect(node.db.prepare('SELECT COUNT(*) AS n FROM ice_servers').get()).toEqual({ n: 0 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const whip = await postRaw(`${base}/whip`, 'sendonly', { Authorization: `Bearer ${TEST_TOKEN}` });
    expect(whip.response.headers.get('link')).toBeNull();
    await whip.pc.close();
  });
});
