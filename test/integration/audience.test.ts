/**
 * The audience over the real node: events sockets and HTTP, a werift publisher making the set
 * live. (The same flows in Chromium pages are in test/e2e/audience.test.ts.)
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEventsSocket, type EventsSocket } from '../helpers/events-socket.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { publishWithWerift, type TestPublisher } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe('the audience over the events socket and HTTP', () => {
  let node: Node;
  let base: string;
  const sockets: EventsSocket[] = [];
  let publisher: TestPublisher | undefined;

  const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TEST_TOKEN}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function socket(): Promise<EventsSocket> {
    const s = await openEventsSocket(node.port);
    sockets.push(s);
    return s;
  }

  async function goLive(): Promise<void> {
    publisher = await publishWithWerift(base, TEST_TOKEN);
    publisher.startMedia();
    await waitFor('live', () => node.archive.clock());
  }

  async function endSet(): Promise<void> {
    await fetch(`${base}${publisher!.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    await publisher!.stop();
    publisher = undefined;
    await waitFor('offline', () => !node.sfu.status().live);
  }

  beforeEach(async () => {
    node = await startTestNode({ archive: { record: false } });
    base = `http://127.0.0.1:${node.port}`;
  });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await publisher?.stop();
    publisher = undefined;
    await node.close();
  });

  it('greets a socket with status, page, chat state, history and shorts; chat is closed while offline', async () => {
    const viewer = await socket();
    await viewer.next('shorts');
    expect(viewer.events.map((e) => e.type)).toEqual(['status', 'page', 'chat-state', 'chat-history', 'shorts']);
    expect(viewer.last('chat-state')).toMatchObject({ open: false });
    const welcome = await viewer.hello();
    expect(welcome).toMatchObject({ role: 'viewer', muted: false });
    expect(welcome.name).toMatch(/^Guest [0-9A-F]{4}$/);
    viewer.send({ type: 'chat', text: 'anyone?' });
    expect(await viewer.next('error')).toMatchObject({ error: 'chat_closed', message: 'Chat opens when the set starts.' });
  });

  it('chat both ways with names, a busker badge, history on join, and no message before hello', async () => {
    const ana = await socket();
    const guest = await socket();
    const studio = await socket();
    guest.send({ type: 'chat', text: 'hi' });
    expect(await guest.next('error')).toMatchObject({ error: 'hello_first' });
    await ana.hello({ name: 'Ana' });
    const guestWelcome = await guest.hello();
    expect(await studio.hello({ token: TEST_TOKEN })).toMatchObject({ role: 'busker', name: 'Busker' });
    await goLive();
    await waitFor('chat open', () => ana.last('chat-state')?.open);

    ana.send({ type: 'chat', text: 'Play Wonderwall!' });
    const seen = await studio.next('chat', (e) => e.message.text === 'Play Wonderwall!');
    expect(seen.message).toMatchObject({ name: 'Ana', role: 'viewer' });
    await guest.next('chat', (e) => e.message.id === seen.message.id);

    studio.send({ type: 'chat', text: 'Coming up next' });
    const reply = await ana.next('chat', (e) => e.message.role === 'busker');
    expect(reply.message).toMatchObject({ name: 'Busker', text: 'Coming up next' });
    guest.send({ type: 'chat', text: '<img src=x onerror=alert(1)>' });
    await ana.next('chat', (e) => e.message.name === guestWelcome.name);

    const late = await socket();
    const history = await late.next('chat-history');
    expect(history.messages.map((m) => m.text)).toEqual(['Play Wonderwall!', 'Coming up next', '<img src=x onerror=alert(1)>']);
    // Stored with wall time; no recording in this test, so no position.
    const rows = node.db.prepare('SELECT author_name, author_role, created_at FROM chat_messages ORDER BY id').all() as Array<{ created_at: number }>;
    expect(rows).toHaveLength(3);
    expect(rows[0]!.created_at).toBeGreaterThan(Date.now() - 60_000);
  });

  it('moderation needs the token; delete reaches everyone; mute, slow mode and blocked words are refused clearly', async () => {
    const ana = await socket();
    const bo = await socket();
    await ana.hello({ name: 'Ana' });
    await bo.hello({ name: 'Bo' });
    await goLive();
    await waitFor('chat open', () => ana.last('chat-state')?.open);

    ana.send({ type: 'chat', text: 'rude words' });
    const message = (await bo.next('chat')).message;

    expect((await fetch(`${base}/api/chat/messages/${message.id}`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${base}/api/chat/mutes`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    expect((await admin('DELETE', `/api/chat/messages/${message.id}`)).status).toBe(204);
    expect(await ana.next('chat-deleted')).toMatchObject({ id: message.id });
    expect(await bo.next('chat-deleted')).toMatchObject({ id: message.id });
    expect((await admin('DELETE', `/api/chat/messages/${message.id}`)).status).toBe(404);
    expect((await admin('DELETE', '/api/chat/messages/not-a-number')).status).toBe(404);

    const muted = await admin('POST', '/api/chat/mutes', { messageId: message.id });
    expect(muted.status).toBe(201);
    const mute = (await muted.json()) as { key: string; name: string };
    // Ana's page learns it at once, before she tries to write.
    expect(await ana.next('welcome', (e) => e.muted)).toMatchObject({ name: 'Ana', muted: true });
    expect(mute.name).toBe('Ana');
    expect(mute.key).not.toContain(ana.clientId);
    const from = ana.events.length;
    ana.send({ type: 'chat', text: 'let me speak' });
    const refusal = await ana.next('error', () => true, from);
    expect(refusal).toMatchObject({ error: 'muted' });
    expect(refusal.message).toMatch(/muted you/);
    // A muted viewer who reloads (same tab id) is still muted, and is told on hello.
    expect(await ana.hello({ name: 'Ana again' })).toMatchObject({ muted: true });
    expect((await (await admin('GET', '/api/chat/moderation')).json()).mutes).toHaveLength(1);
    const beforeUnmute = ana.events.length;
    expect((await admin('DELETE', `/api/chat/mutes/${mute.key}`)).status).toBe(204);
    expect(await ana.next('welcome', (e) => !e.muted, beforeUnmute)).toBeTruthy();

    expect((await admin('PUT', '/api/chat/settings', { slowModeSeconds: 60, blockedWords: ['Darn'] })).status).toBe(200);
    expect(await bo.next('chat-state', (e) => e.slowModeSeconds === 60)).toBeTruthy();
    bo.send({ type: 'chat', text: 'oh darn' });
    expect(await bo.next('error', (e) => e.error === 'blocked_word')).toBeTruthy();
    bo.send({ type: 'chat', text: 'first' });
    await bo.next('chat', (e) => e.message.text === 'first');
    bo.send({ type: 'chat', text: 'second' });
    const slow = await bo.next('error', (e) => e.error === 'slow_down');
    expect(slow.retryAfterMs).toBeGreaterThan(55_000);
    expect(slow.message).toMatch(/Slow mode is on/);
    expect((await admin('PUT', '/api/chat/settings', { slowModeSeconds: 9999, blockedWords: [] })).status).toBe(400);
  });

  it('closes a socket that floods (1008) without touching the others', async () => {
    const flooder = await socket();
    const calm = await socket();
    const closed = new Promise<number>((resolve) => flooder.socket.once('close', (code) => resolve(code)));
    for (let i = 0; i < 100; i++) flooder.send({ type: 'ping', id: i });
    expect(await closed).toBe(1008);
    calm.send({ type: 'ping', id: 1 });
    await calm.next('pong');
    await waitFor('flooder gone', () => node.audience.hub.size === 1);
  });

  it('a wrong token in hello leaves the socket a viewer, with no busker-only events', async () => {
    const sneaky = await socket();
    const welcome = await sneaky.hello({ token: 'guess' });
    expect(welcome.role).toBe('viewer');
    expect(sneaky.all('error').map((e) => e.error)).toContain('bad_token');
    await goLive();
    sneaky.send({ type: 'clip-that' });
    await sneaky.next('marked');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sneaky.all('marker')).toEqual([]);
    expect(sneaky.all('recording')).toEqual([]);
  });

  it('location: never sent without consent; shown (snapped) with it while live; withdrawn when the set ends', async () => {
    const viewer = await socket();
    const put = await admin('PUT', '/api/location', { share: false, place: 'Pont Neuf', lat: 48.85731, lon: 2.34129, precision: 'exact' });
    expect(await put.json()).toMatchObject({ location: { share: false, place: 'Pont Neuf' }, shown: null });
    await goLive();
    await waitFor('live status', () => viewer.last('status')?.status.live);
    // Nothing anywhere a viewer can read mentions the place or the coordinates.
    const publicText = JSON.stringify([viewer.events, await (await fetch(`${base}/api/status`)).json(), await (await fetch(`${base}/api/page`)).json()]);
    expect(publicText).not.toMatch(/Pont Neuf|48\.85|2\.341/);
    expect((await fetch(`${base}/api/location`)).status).toBe(401);

    await admin('PUT', '/api/location', { share: true, place: 'Pont Neuf', lat: 48.85731, lon: 2.34129, precision: 'approximate' });
    const shown = await viewer.next('status', (e) => e.status.location !== null);
    expect(shown.status.location).toMatchObject({ place: 'Pont Neuf', precision: 'approximate' });
    expect(shown.status.location!.lat).not.toBe(48.85731);
    expect(shown.status.location!.directionsUrl).toMatch(/^https:\/\/www\.openstreetmap\.org\/directions\?/);

    await endSet();
    expect(viewer.last('status')!.status.location).toBeNull();
    expect(await (await admin('GET', '/api/location')).json()).toMatchObject({ location: { share: false, place: 'Pont Neuf' }, shown: null });
    // The next set starts without consent.
    await goLive();
    await waitFor('live again', () => viewer.last('status')?.status.live);
    expect(viewer.last('status')!.status.location).toBeNull();
  });

  it('schedule: added sets reach every page; a set within five minutes is announced; delete removes it', async () => {
    const viewer = await socket();
    const startsAt = Date.now() + 3 * 60_000;
    const created = await admin('POST', '/api/schedule', { startsAt, title: 'Sunset set', place: 'Harbour steps' });
    expect(created.status).toBe(201);
    const set = (await created.json()) as { id: number };
    const notice = await viewer.next('notice');
    expect(notice).toMatchObject({ kind: 'starting-soon', set: { id: set.id, title: 'Sunset set', startsAt } });
    expect((await viewer.next('page', (e) => e.schedule.length === 1)).schedule[0]).toMatchObject({ place: 'Harbour steps' });
    expect(((await (await fetch(`${base}/api/page`)).json()) as { schedule: unknown[] }).schedule).toHaveLength(1);
    expect((await admin('POST', '/api/schedule', { startsAt: Date.now() - 1000 })).status).toBe(400);
    expect((await fetch(`${base}/api/schedule`, { method: 'POST' })).status).toBe(401);
    expect((await admin('DELETE', `/api/schedule/${set.id}`)).status).toBe(204);
    await viewer.next('page', (e) => e.schedule.length === 0);
    expect((await admin('DELETE', `/api/schedule/${set.id}`)).status).toBe(404);
  });

  it('profile and avatar: validated, served with its own type, and pushed to pages', async () => {
    const viewer = await socket();
    const bad = await admin('PUT', '/api/profile', { name: 'Mo', bio: '', links: [{ label: 'x', url: 'javascript:alert(1)' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/http/);
    const ok = await admin('PUT', '/api/profile', { name: 'Mo the Fiddler', bio: 'Reels and jigs', links: [{ label: 'Tip jar', url: 'https://ko-fi.com/mo' }] });
    expect(ok.status).toBe(200);
    await viewer.next('page', (e) => e.profile.name === 'Mo the Fiddler');

    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64)]);
    const upload = (body: Buffer | string, type: string) =>
      fetch(`${base}/api/profile/avatar`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': type },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
    expect((await upload('<svg onload=alert(1)/>', 'image/svg+xml')).status).toBe(415);
    expect((await upload('not a png at all', 'image/png')).status).toBe(400);
    expect((await upload(Buffer.alloc(1024 * 1024 + 1, 1), 'image/png')).status).toBe(413);
    expect((await fetch(`${base}/api/profile/avatar`, { method: 'PUT', body: new Uint8Array(png) })).status).toBe(401);
    const uploaded = await upload(png, 'image/png');
    expect(uploaded.status).toBe(200);
    const { avatarUrl } = (await uploaded.json()) as { avatarUrl: string };
    const image = await fetch(`${base}${avatarUrl}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
    // A second upload replaces the file; no temporary or old file is left.
    await upload(png, 'image/png');
    expect(await readdir(join(node.dataDir, 'profile'))).toHaveLength(1);
    expect((await admin('DELETE', '/api/profile/avatar')).status).toBe(200);
    expect((await fetch(`${base}/api/profile/avatar`)).status).toBe(404);
    expect(await readdir(join(node.dataDir, 'profile'))).toHaveLength(0);

    // The busker chats under the profile name; viewers cannot take it.
    const studio = await socket();
    expect(await studio.hello({ token: TEST_TOKEN })).toMatchObject({ name: 'Mo the Fiddler' });
    const impostor = await socket();
    impostor.send({ type: 'hello', clientId: impostor.clientId, name: 'mo the fiddler' });
    expect(await impostor.next('error')).toMatchObject({ error: 'bad_name' });
  });

  it('"clip that!": taps from several viewers are one marker with a count, stored, and shown to the busker live', async () => {
    const studio = await socket();
    await studio.hello({ token: TEST_TOKEN });
    const viewers = await Promise.all([socket(), socket(), socket()]);
    for (const v of viewers) await v.hello();
    viewers[0]!.send({ type: 'clip-that' });
    expect(await viewers[0]!.next('error')).toMatchObject({ error: 'not_live' });
    await goLive();
    for (const v of viewers) {
      v.send({ type: 'clip-that' });
      await v.next('marked');
    }
    const last = await studio.next('marker', (e) => e.marker.count === 3);
    expect(last.marker).toMatchObject({ kind: 'clip-that', count: 3 });
    viewers[0]!.send({ type: 'clip-that' });
    expect(await viewers[0]!.next('error', (e) => e.error === 'slow_down')).toBeTruthy();
    const stored = (await (await admin('GET', `/api/sets/${last.marker.setId}/markers`)).json()) as { markers: Array<{ count: number }> };
    expect(stored.markers).toEqual([last.marker]);
    // A studio that connects mid-set is sent the set's markers.
    const reloaded = await socket();
    await reloaded.hello({ token: TEST_TOKEN });
    expect((await reloaded.next('marker')).marker).toEqual(last.marker);
  });
});
