import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, tokensMatch } from '../../server/auth.js';
import { authorKey } from '../../server/audience/identity.js';
import { createRecording, completeRecording } from '../../server/library/recordings.js';
import { endSet, startSet } from '../../server/library/sets.js';
import { insertClip, updateClip } from '../../server/library/clips.js';
import { MediaLinks } from '../../server/media-links.js';
import { EMPTY_SET_INFO } from '../../common/set-info.js';
import { ADMIN_ROUTES, WRONG_TOKENS } from '../helpers/fuzz-http.js';
import { newClientId, openEventsSocket, type EventsSocket } from '../helpers/events-socket.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift, type TestPublisher } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Issue #7 part 5: who may do what. Every admin route refuses a missing or wrong token; a viewer
 * can watch, chat, mark and comment, and nothing else; static pages and media cannot be escaped;
 * CORS answers viewers' routes only; the token can be rotated (and the old one dies at once).
 */

/** Every route in server/http/*.ts as [method, path, public?], read from the source, so a new route cannot dodge the table. */
async function declaredRoutes(): Promise<Array<{ method: string; path: string; isPublic: boolean }>> {
  const dir = join(process.cwd(), 'server', 'http');
  const routes: Array<{ method: string; path: string; isPublic: boolean }> = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(dir, file), 'utf8');
    for (const match of source.matchAll(/method: '([A-Z]+)',\s*\n\s*path: '([^']+)',\s*\n(\s*public: true,)?/g)) {
      routes.push({ method: match[1]!, path: match[2]!, isPublic: match[3] !== undefined });
    }
  }
  return routes;
}

/** `/api/sets/:id/markers` matches `/api/sets/1/markers`. */
function samplePathMatches(template: string, path: string): boolean {
  const pattern = new RegExp(`^${template.replace(/:[a-zA-Z]+/g, '[^/]+')}$`);
  return pattern.test(path.split('?')[0]!);
}

/** What viewers may call without a token (and signed media, checked by signature instead). */
const PUBLIC_ROUTES = new Set([
  'GET /api/status',
  'GET /api/share',
  'GET /api/share/qr.svg',
  'GET /api/page',
  'GET /api/profile/avatar',
  'GET /api/shorts',
  'GET /media/shorts/:id',
  'POST /whep',
  'DELETE /whep/:id',
  // The viewer's Auto / High / Low: the session id (an unguessable UUID) is the capability.
  'POST /whep/:id/layer',
  'GET /api/ice',
]);
const SIGNED_ROUTES = new Set(['GET /media/recordings/:id', 'GET /media/clips/:id']);

describe('auth: the publish token guards every admin action', { timeout: 90_000 }, () => {
  let node: Node;
  let base: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
  });
  afterAll(async () => node.close());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('the route table covers every route: each is public, signed, or in the admin table', async () => {
    const routes = await declaredRoutes();
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (route.isPublic) {
        expect(PUBLIC_ROUTES.has(key), `${key} is marked public but is not in the public list`).toBe(true);
        continue;
      }
      expect(PUBLIC_ROUTES.has(key), `${key} should be marked public`).toBe(false);
      if (SIGNED_ROUTES.has(key)) continue;
      const covered = ADMIN_ROUTES.some(([method, path]) => method === route.method && samplePathMatches(route.path, path));
      expect(covered, `${key} is neither public nor in the admin table`).toBe(true);
    }
  });

  it('every admin route: 401 without the token and with each kind of wrong token, and no data in the answer', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      for (const authorization of WRONG_TOKENS(TEST_TOKEN)) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { ...(authorization === undefined ? {} : { Authorization: authorization }), 'Content-Type': 'application/json' },
          body,
        });
        expect(res.status, `${method} ${path} with ${JSON.stringify(authorization)?.slice(0, 40)}`).toBe(401);
        const answer = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(answer).sort()).toEqual(['error', 'message']);
        expect(answer.error).toBe('unauthorized');
      }
    }
    // …and nothing changed: no set went live, the token is the same.
    expect(node.sfu.status().live).toBe(false);
  });

  it('compares tokens in constant time over equal-length digests', async () => {
    // Different lengths must neither throw (timingSafeEqual would) nor match.
    expect(tokensMatch('a', TEST_TOKEN)).toBe(false);
    expect(tokensMatch(TEST_TOKEN + 'x'.repeat(5000), TEST_TOKEN)).toBe(false);
    expect(tokensMatch('', TEST_TOKEN)).toBe(false);
    expect(tokensMatch(TEST_TOKEN, TEST_TOKEN)).toBe(true);
    const source = await readFile(join(process.cwd(), 'server', 'auth.ts'), 'utf8');
    const body = /export function tokensMatch[\s\S]*?\n}/.exec(source)?.[0] ?? '';
    expect(body).toMatch(/createHash\('sha256'\)/);
    expect(body).toMatch(/timingSafeEqual\(/);
    expect(body).not.toMatch(/===|!==/);
    expect(generateToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a viewer watches, chats, marks and comments — and cannot publish, delete, moderate or see private data', async () => {
    // A set with a recording, a published short and a private clip, made straight in the library.
    const setId = startSet(node.db, EMPTY_SET_INFO, Date.now() - 60_000);
    await mkdir(join(node.dataDir, 'recordings'), { recursive: true });
    await mkdir(join(node.dataDir, 'clips'), { recursive: true });
    await writeFile(join(node.dataDir, 'recordings', 'r.webm'), 'RECORDING-BYTES');
    await writeFile(join(node.dataDir, 'clips', 'public.webm'), 'PUBLIC-SHORT');
    await writeFile(join(node.dataDir, 'clips', 'private.webm'), 'PRIVATE-CLIP');
    const recordingId = createRecording(node.db, { setId, file: 'recordings/r.webm', startedAt: Date.now() - 60_000, videoCodec: 'VP8', audioCodec: 'opus' });
    completeRecording(node.db, recordingId, { status: 'finalised', endedAt: Date.now(), durationMs: 60_000, sizeBytes: 15 });
    endSet(node.db, setId, Date.now(), 'ended');
    const clip = (file: string, title: string) =>
      insertClip(node.db, { recordingId, file, title, mode: 'copy', inMs: 0, outMs: 5000, startMs: 0, durationMs: 5000, sizeBytes: 12, width: 640, height: 360, createdAt: Date.now() });
    const published = clip('clips/public.webm', 'Public');
    const hidden = clip('clips/private.webm', 'Private');
    updateClip(node.db, published.id, { published: true }, Date.now());

    // Public: the published short only.
    const shorts = (await (await fetch(`${base}/api/shorts`)).json()) as { shorts: Array<{ id: number; title: string }> };
    expect(shorts.shorts.map((s) => s.title)).toEqual(['Public']);
    expect(await (await fetch(`${base}/media/shorts/${published.id}`)).text()).toBe('PUBLIC-SHORT');
    const hiddenShort = await fetch(`${base}/media/shorts/${hidden.id}`);
    expect(hiddenShort.status).toBe(404);
    expect(await hiddenShort.text()).not.toContain('PRIVATE');

    // Signed media: the library's links work; a missing, forged, re-targeted or expired signature does not.
    const library = (await (await fetch(`${base}/api/library`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).json()) as {
      sets: Array<{ recordings: Array<{ id: number; mediaUrl: string }> }>;
    };
    const link = library.sets.flatMap((s) => s.recordings).find((r) => r.id === recordingId)!.mediaUrl;
    expect(await (await fetch(`${base}${link}`)).text()).toBe('RECORDING-BYTES');
    const url = new URL(link, base);
    const sig = url.searchParams.get('sig')!;
    const expired = new MediaLinks(() => TEST_TOKEN).recording(recordingId, Date.now() - 7 * 3600_000);
    const forgedWithOtherSecret = new MediaLinks(() => 'not-the-token-0123456789').recording(recordingId);
    const clipLink = new MediaLinks(() => TEST_TOKEN).clip(hidden.id);
    for (const bad of [
      `/media/recordings/${recordingId}`,
      `/media/recordings/${recordingId}?expires=${url.searchParams.get('expires')}`,
      `/media/recordings/${recordingId}?expires=${url.searchParams.get('expires')}&sig=${sig.slice(0, -2)}AA`,
      `/media/recordings/${recordingId}?expires=${Number(url.searchParams.get('expires')) + 1}&sig=${sig}`,
      `/media/clips/${hidden.id}?expires=${url.searchParams.get('expires')}&sig=${sig}`,
      `/media/clips/${hidden.id}`,
      expired,
      forgedWithOtherSecret,
    ]) {
      const res = await fetch(`${base}${bad}`);
      expect(res.status, bad).toBe(404);
      const text = await res.text();
      expect(text).not.toContain('RECORDING-BYTES');
      expect(text).not.toContain('PRIVATE-CLIP');
    }
    // The busker's own link to the private clip works (a <video> cannot send a header).
    expect(await (await fetch(`${base}${clipLink}`)).text()).toBe('PRIVATE-CLIP');

    // Live: two viewers and the busker on the events socket.
    const publisher: TestPublisher = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    publisher.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const busker = await openEventsSocket(node.port);
    cleanups.push(async () => busker.close());
    expect((await busker.hello({ token: TEST_TOKEN })).role).toBe('busker');
    const alice: EventsSocket = await openEventsSocket(node.port, newClientId());
    const bob: EventsSocket = await openEventsSocket(node.port, newClientId());
    cleanups.push(async () => alice.close(), async () => bob.close());
    // A wrong token is refused and the page stays a viewer.
    const from = alice.events.length;
    alice.send({ type: 'hello', clientId: alice.clientId, name: 'Alice', token: 'not-the-token-0123456789' });
    expect((await alice.next('error', () => true, from)).error).toBe('bad_token');
    expect((await alice.next('welcome', () => true, from)).role).toBe('viewer');
    expect((await bob.hello({ name: 'Bob' })).role).toBe('viewer');

    // A viewer can watch, chat, mark ("clip that!") and comment.
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    expect(viewer.status).toBe(201);
    await viewer.waitForPackets(5);
    alice.send({ type: 'chat', text: 'hello from alice' });
    const chat = await bob.next('chat', (e) => e.message.text === 'hello from alice');
    alice.send({ type: 'clip-that' });
    await alice.next('marked');
    await busker.next('marker');
    alice.send({ type: 'comment', shortId: published.id, text: 'nice short' });
    await bob.next('comment', (e) => e.comment.text === 'nice short');

    // …and never learns anyone's id or author key, nor gets the busker's private events.
    const aliceKey = authorKey(alice.clientId);
    for (const page of [alice, bob]) {
      const everything = JSON.stringify(page.events);
      expect(everything).not.toContain(aliceKey);
      expect(everything).not.toContain(alice.clientId);
      expect(everything).not.toContain(TEST_TOKEN);
      for (const type of ['marker', 'recording', 'clip-job'] as const) expect(page.all(type), `${type} reached a viewer`).toEqual([]);
    }
    expect(Object.keys(chat.message).sort()).toEqual(['id', 'name', 'role', 'sentAt', 'text']);

    // What viewers' HTTP calls can reach carries no keys, mutes or library either.
    for (const path of ['/api/status', '/api/page', '/api/shorts', '/api/share']) {
      const text = await (await fetch(`${base}${path}`)).text();
      expect(text, path).not.toContain(aliceKey);
      expect(text, path).not.toContain('recordings/');
      expect(text, path).not.toContain('Private');
    }

    // A viewer cannot publish, end the set, delete, moderate or read moderation data.
    const viewerTries: Array<[string, string, string?]> = [
      ['POST', '/whip', 'v=0'],
      ['DELETE', publisher.location!],
      ['DELETE', `/api/sets/${setId}`],
      ['DELETE', `/api/chat/messages/${chat.message.id}`],
      ['POST', '/api/chat/mutes', JSON.stringify({ messageId: chat.message.id })],
      ['GET', '/api/chat/moderation'],
      ['DELETE', `/api/clips/${published.id}`],
      ['PATCH', `/api/clips/${hidden.id}`, JSON.stringify({ published: true })],
      ['DELETE', `/api/shorts/${published.id}/comments/1`],
      ['GET', '/api/clips'],
      ['GET', '/api/library'],
    ];
    for (const [method, path, body] of viewerTries) {
      const res = await fetch(`${base}${path}`, { method, body, headers: { 'Content-Type': path === '/whip' ? 'application/sdp' : 'application/json' } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(node.sfu.status().live).toBe(true);
    expect((await (await fetch(`${base}/api/shorts`)).json()) as unknown).toMatchObject({ shorts: [{ title: 'Public' }] });

    // The busker can: the mute list carries the opaque key, admin only.
    const mute = await fetch(`${base}/api/chat/mutes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messageId: chat.message.id }),
    });
    expect(mute.status).toBe(201);
    expect(((await mute.json()) as { key: string }).key).toBe(aliceKey);
    // Alice is told she is muted; Bob is told nothing about it.
    await alice.next('welcome', (e) => e.muted);
    expect(bob.all('welcome').every((w) => !w.muted)).toBe(true);
  });

  it('static pages and /media/* cannot be escaped, in any spelling', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curbcast-traversal-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'pages', 'viewer'), { recursive: true });
    await writeFile(join(dir, 'pages', 'viewer', 'index.html'), '<p>viewer</p>');
    await writeFile(join(dir, 'secret.txt'), 'SECRET');
    const pagesNode = await startTestNode({ pagesDir: join(dir, 'pages'), dataDir: join(dir, 'data') });
    cleanups.push(() => pagesNode.close());
    // The data folder sits next to the pages: its token file must be out of reach too.
    await writeFile(join(dir, 'data', 'publish-token'), 'SECRET-TOKEN');
    const at = `http://127.0.0.1:${pagesNode.port}`;
    const escapes = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/viewer/..%2f..%2fsecret.txt',
      '/viewer/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/viewer/..%5c..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/%00',
      '/secret.txt%00.html',
      '/viewer/%00/../../secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '//secret.txt',
      '//../secret.txt',
      '/%2fsecret.txt',
      `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      `/${join(dir, 'secret.txt')}`,
      '/../data/publish-token',
      '/%2e%2e/data/publish-token',
      '/media/recordings/..%2f..%2fpublish-token',
      '/media/recordings/%2e%2e%2f%2e%2e%2fdata%2fpublish-token?expires=1&sig=x',
      '/media/clips/..%2fpublish-token',
      '/media/shorts/..%2f..%2fpublish-token',
      '/media/shorts/%2e%2e',
      '/media/../../secret.txt',
      '/api/profile/avatar/../../../secret.txt',
    ];
    for (const path of escapes) {
      const res = await fetch(`${at}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(await res.text(), path).not.toContain('SECRET');
    }
    // Raw request lines too (a fetch normalises "..", a raw client does not).
    const { connect } = await import('node:net');
    for (const target of ['/../secret.txt', '/viewer/../../secret.txt', '/..\\secret.txt', '/viewer\\..\\..\\secret.txt', 'http://x/../secret.txt', '../secret.txt', '*']) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(pagesNode.port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answer, target).toMatch(/^HTTP\/1\.1 4\d\d/);
      expect(answer, target).not.toContain('SECRET');
    }
    expect(await (await fetch(`${at}/`)).text()).toBe('<p>viewer</p>');
  });

  it('CORS: viewers’ routes answer any origin (no credentials); admin routes refuse foreign preflights and carry no CORS headers', async () => {
    const origin = { Origin: 'https://elsewhere.example' };
    const preflight = (path: string, method: string, headers = 'content-type') =>
      fetch(`${base}${path}`, { method: 'OPTIONS', headers: { ...origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers } });

    const whep = await preflight('/whep', 'POST');
    expect(whep.status).toBe(204);
    expect(whep.headers.get('access-control-allow-origin')).toBe('*');
    expect(whep.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type');
    expect(whep.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight('/whep/abc', 'DELETE')).status).toBe(204);

    for (const [method, path] of ADMIN_ROUTES) {
      const res = await preflight(path, method, 'authorization, content-type');
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('access-control-allow-origin'), `${method} ${path}`).toBeNull();
      expect(res.headers.get('access-control-allow-methods')).toBeNull();
    }
    // A public path, asked for an admin method, is refused too.
    expect((await preflight('/api/status', 'DELETE')).status).toBe(403);

    const status = await fetch(`${base}/api/status`, { headers: origin });
    expect(status.headers.get('access-control-allow-origin')).toBe('*');
    expect(status.headers.get('access-control-allow-credentials')).toBeNull();
    const libraryAnswer = await fetch(`${base}/api/library`, { headers: { ...origin, Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(libraryAnswer.status).toBe(200);
    expect(libraryAnswer.headers.get('access-control-allow-origin')).toBeNull();
    const unauthorised = await fetch(`${base}/api/studio`, { headers: origin });
    expect(unauthorised.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('auth: rotating the publish token', { timeout: 90_000 }, () => {
  let dir: string;
  let node: Node;
  let base: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'curbcast-rotate-'));
    // No token given: the node makes one and keeps it in the data folder, so it may rotate it.
    node = await startTestNode({ dataDir: dir, publishToken: undefined });
    base = `http://127.0.0.1:${node.port}`;
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('POST /api/token/rotate: new token kept in the data folder, old one dead at once everywhere, a live set goes on', async () => {
    const tokenFile = join(dir, 'publish-token');
    const old = (await readFile(tokenFile, 'utf8')).trim();
    expect(old.length).toBeGreaterThanOrEqual(16);

    // Only with the token.
    expect((await fetch(`${base}/api/token/rotate`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/api/token/rotate`, { method: 'POST', headers: auth('wrong-token-0123456789') })).status).toBe(401);

    // Live with the old token: a WHIP publisher, a viewer, the studio's socket and a signed link.
    const publisher = await publishWithWerift(base, old);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    await waitFor('live', () => node.sfu.status().live);
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    await viewer.waitForPackets(5);
    const studio = await openEventsSocket(node.port);
    cleanups.push(async () => studio.close());
    expect((await studio.hello({ token: old })).role).toBe('busker');
    // A recording in the library (made directly: the live one is still being written) and its signed link.
    const setId = startSet(node.db, EMPTY_SET_INFO, Date.now() - 60_000);
    await mkdir(join(dir, 'recordings'), { recursive: true });
    await writeFile(join(dir, 'recordings', 'old.webm'), 'OLD-RECORDING');
    const recordingId = createRecording(node.db, { setId, file: 'recordings/old.webm', startedAt: Date.now() - 60_000, videoCodec: 'VP8', audioCodec: null });
    completeRecording(node.db, recordingId, { status: 'finalised', endedAt: Date.now(), durationMs: 1000, sizeBytes: 13 });
    endSet(node.db, setId, Date.now(), 'ended');
    const library = (await (await fetch(`${base}/api/library`, { headers: auth(old) })).json()) as { sets: Array<{ recordings: Array<{ id: number; mediaUrl: string }> }> };
    const oldLink = library.sets.flatMap((s) => s.recordings).find((r) => r.id === recordingId)!.mediaUrl;
    expect(await (await fetch(`${base}${oldLink}`)).text()).toBe('OLD-RECORDING');

    const res = await fetch(`${base}/api/token/rotate`, { method: 'POST', headers: auth(old) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { token: fresh, message } = (await res.json()) as { token: string; message: string };
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(message).toMatch(/OBS/);

    // Kept where the token is kept, readable by the owner only, nothing half-written left behind.
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(fresh);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.startsWith('publish-token'))).toEqual(['publish-token']);
    expect(node.publishToken).toBe(fresh);

    // The old token: refused by every admin route at once, WHIP included.
    for (const [method, path] of [['GET', '/api/studio'], ['GET', '/api/library'], ['POST', '/api/token/rotate'], ['DELETE', publisher.location!]] as const) {
      expect((await fetch(`${base}${path}`, { method, headers: auth(old) })).status, `${method} ${path}`).toBe(401);
    }
    expect((await fetch(`${base}/api/studio`, { headers: auth(fresh) })).status).toBe(200);

    // The studio's socket was told at once and lost the busker's role: no private events, chat needs a new hello.
    await studio.next('error', (e) => e.error === 'token_changed');
    const mark = studio.events.length;
    studio.send({ type: 'chat', text: 'still the busker?' });
    expect((await studio.next('error', () => true, mark)).error).toBe('hello_first');
    const viewerSocket = await openEventsSocket(node.port);
    cleanups.push(async () => viewerSocket.close());
    await viewerSocket.hello();
    viewerSocket.send({ type: 'clip-that' });
    await viewerSocket.next('marked');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(studio.events.slice(mark).filter((e) => e.type === 'marker')).toEqual([]);
    // With the old token a hello makes a viewer.
    const again = await openEventsSocket(node.port);
    cleanups.push(async () => again.close());
    const from = again.events.length;
    again.send({ type: 'hello', clientId: again.clientId, token: old });
    expect((await again.next('error', () => true, from)).error).toBe('bad_token');
    expect((await again.next('welcome', () => true, from)).role).toBe('viewer');
    const renewed = await openEventsSocket(node.port);
    cleanups.push(async () => renewed.close());
    expect((await renewed.hello({ token: fresh })).role).toBe('busker');

    // Links signed with the old token stop working.
    expect((await fetch(`${base}${oldLink}`)).status).toBe(404);
    const newLibrary = (await (await fetch(`${base}/api/library`, { headers: auth(fresh) })).json()) as { sets: Array<{ recordings: Array<{ id: number; mediaUrl: string }> }> };
    const newLink = newLibrary.sets.flatMap((s) => s.recordings).find((r) => r.id === recordingId)!.mediaUrl;
    expect(await (await fetch(`${base}${newLink}`)).text()).toBe('OLD-RECORDING');

    // The live set goes on: the publisher's session is untouched and the viewer still receives.
    expect(node.sfu.status().live).toBe(true);
    const before = viewer.packets.video;
    await waitFor('media still flowing after the rotation', () => viewer.packets.video > before + 20);
    // Ending it takes the new token.
    expect((await fetch(`${base}${publisher.location}`, { method: 'DELETE', headers: auth(fresh) })).status).toBe(200);
    await waitFor('offline', () => !node.sfu.status().live);
  });

  it('a restarted node uses the rotated token', async () => {
    const current = node.publishToken;
    await node.close();
    node = await startTestNode({ dataDir: dir, publishToken: undefined });
    base = `http://127.0.0.1:${node.port}`;
    expect(node.publishToken).toBe(current);
    expect((await fetch(`${base}/api/studio`, { headers: auth(current) })).status).toBe(200);
  });

  it('a token from the command line or environment is not rotated: 409 with a clear message', async () => {
    const fixed = await startTestNode();
    try {
      const res = await fetch(`http://127.0.0.1:${fixed.port}/api/token/rotate`, { method: 'POST', headers: auth(TEST_TOKEN) });
      expect(res.status).toBe(409);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('token_fixed');
      expect(body.message).toMatch(/command line|CURBCAST_PUBLISH_TOKEN/);
      expect((await fetch(`http://127.0.0.1:${fixed.port}/api/studio`, { headers: auth(TEST_TOKEN) })).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});
