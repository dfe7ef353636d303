import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** A browser-shaped offer, to break in small ways. */
const VALID_OFFER_LINES = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
];
const offer = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

describe('bad input gets a clear 4xx and never hurts the node', () => {
  let node: Node;
  let base: string;

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
  });
  afterAll(async () => node.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp', ...headers } });
  const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

  async function expectError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(code);
    expect(body.message.length).toBeGreaterThan(5);
    return body;
  }

  it('WHIP without a token is 401, with a wrong token 401', async () => {
    await expectError(await post('/whip', offer(VALID_OFFER_LINES)), 401, 'unauthorized');
    const wrong = await expectError(await post('/whip', offer(VALID_OFFER_LINES), { Authorization: 'Bearer nope' }), 401, 'unauthorized');
    expect(wrong.message).toMatch(/wrong/);
    await expectError(await post('/whip', offer(VALID_OFFER_LINES), { Authorization: 'Basic abc' }), 401, 'unauthorized');
  });

  it('empty, garbage and truncated SDP are 400 with a reason', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['hello world', /v=0/],
      ['v=0\r\n', /no audio or video/],
      [offer(VALID_OFFER_LINES.filter((l) => !l.startsWith('a=ice-ufrag'))), /ICE credentials/],
      [offer(VALID_OFFER_LINES.filter((l) => !l.startsWith('a=fingerprint'))), /fingerprint/],
      [offer(VALID_OFFER_LINES.map((l) => (l === 'a=sendonly' ? 'a=recvonly' : l))), /must send media/],
      [offer(VALID_OFFER_LINES.map((l) => l.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'))), /SAVPF/],
      [offer(VALID_OFFER_LINES.filter((l) => !l.startsWith('a=rtpmap')).map((l) => l.replace(' 96', ''))), /codec/],
      ['v=0\r\n' + '\u0000\u00ff'.repeat(100), /no audio or video/],
    ];
    for (const [body, reason] of cases) {
      const res = await post('/whip', body, auth);
      const error = await expectError(res, 400, 'bad_sdp');
      expect(error.message).toMatch(reason);
    }
  });

  it('a WHEP offer that only sends is 400; WHEP while offline is 404 "offline"', async () => {
    const sendOnly = offer(VALID_OFFER_LINES);
    await expectError(await post('/whep', sendOnly), 400, 'bad_sdp');
    const recvOnly = offer(VALID_OFFER_LINES.map((l) => (l === 'a=sendonly' ? 'a=recvonly' : l)));
    await expectError(await post('/whep', recvOnly), 404, 'offline');
  });

  it('wrong Content-Type is 415; a body over the limit is 413', async () => {
    await expectError(await post('/whip', offer(VALID_OFFER_LINES), { ...auth, 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await post('/whep', 'v=0\r\n' + 'a=x\r\n'.repeat(20_000)), 413, 'payload_too_large');
    // Without Content-Length (chunked), the limit still holds.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode('a'.repeat(1024)));
        controller.close();
      },
    });
    const res = await fetch(`${base}/whep`, {
      method: 'POST',
      body: chunked,
      headers: { 'Content-Type': 'application/sdp' },
      duplex: 'half',
    } as RequestInit);
    await expectError(res, 413, 'payload_too_large');
  });

  it('unknown sessions are 404; wrong methods 405 with Allow; unknown paths 404', async () => {
    await expectError(await fetch(`${base}/whep/00000000-0000-0000-0000-000000000000`, { method: 'DELETE' }), 404, 'not_found');
    await expectError(await fetch(`${base}/whip/nope`, { method: 'DELETE', headers: auth }), 404, 'not_found');
    const wrongMethod = await fetch(`${base}/whip`, { method: 'GET' });
    expect(wrongMethod.headers.get('allow')).toContain('POST');
    await expectError(wrongMethod, 405, 'method_not_allowed');
    await expectError(await fetch(`${base}/api/nothing`), 404, 'not_found');
  });

  it('set info: needs the token, valid JSON and valid fields', async () => {
    const put = (body: string, headers: Record<string, string> = auth) =>
      fetch(`${base}/api/set`, { method: 'PUT', body, headers: { 'Content-Type': 'application/json', ...headers } });
    await expectError(await put('{}', {}), 401, 'unauthorized');
    await expectError(await put('{"title": '), 400, 'bad_json');
    await expectError(await put('{"title": 5}'), 400, 'bad_set_info');
    await expectError(await put(JSON.stringify({ title: 'x'.repeat(500) })), 400, 'bad_set_info');
    await expectError(await put(JSON.stringify({ hashtags: ['no spaces allowed'] })), 400, 'bad_set_info');
    await expectError(await put(JSON.stringify({ title: 'ok', extra: 1 })), 400, 'bad_set_info');
    await expectError(await put('x'.repeat(100_000)), 413, 'payload_too_large');

    const ok = await put(JSON.stringify({ title: ' Friday <b>jazz</b> ', hashtags: ['#jazz', 'live'], description: 'by the fountain' }));
    expect(ok.status).toBe(200);
    const status = (await (await fetch(`${base}/api/status`)).json()) as { set: unknown };
    // Stored as text, trimmed; '<b>' stays text for the pages to render with textContent.
    expect(status.set).toEqual({ title: 'Friday <b>jazz</b>', hashtags: ['jazz', 'live'], description: 'by the fountain' });
  });

  it('static files cannot escape the pages folder', async () => {
    // A pages folder with a secret next to it, served by its own node.
    const dir = await mkdtemp(join(tmpdir(), 'curbcast-static-'));
    await mkdir(join(dir, 'pages', 'viewer'), { recursive: true });
    await writeFile(join(dir, 'pages', 'viewer', 'index.html'), '<p>viewer</p>');
    await writeFile(join(dir, 'secret.txt'), 'SECRET');
    const pagesNode = await startTestNode({ pagesDir: join(dir, 'pages') });
    try {
      const at = `http://127.0.0.1:${pagesNode.port}`;
      expect(await (await fetch(`${at}/`)).text()).toBe('<p>viewer</p>');
      const escapes = ['/../secret.txt', '/%2e%2e/secret.txt', '/viewer/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00', '/viewer/%2e%2e/%2e%2e/secret.txt'];
      for (const path of escapes) {
        const res = await fetch(`${at}${path}`);
        expect(res.status, path).toBe(404);
        expect(await res.text(), path).not.toContain('SECRET');
      }
    } finally {
      await pagesNode.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('after all that, the node still serves a normal publisher and viewer', async () => {
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const viewer = await playWithWerift(base);
    await viewer.waitForPackets(10);
    await viewer.stop();
    await publisher.stop();
  });
});
