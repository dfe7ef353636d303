import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_LIMITS, type ChatMessage } from '../../../common/chat.js';
import { MARKER_COOLDOWN_MS, MARKER_MAX_SPAN_MS, MARKER_MERGE_MS, type Marker } from '../../../common/markers.js';
import { ChatRoom, type ChatAuthor } from '../../../server/audience/chat-room.js';
import { ChatRules } from '../../../server/audience/chat-rules.js';
import { MarkerBoard } from '../../../server/audience/marker-board.js';
import { Refusal } from '../../../server/audience/refusal.js';
import { TokenBucket } from '../../../server/audience/token-bucket.js';
import { openLibraryDatabase, type WritableDB } from '../../../server/library/database.js';
import { setMarkers } from '../../../server/library/markers.js';
import { startSet } from '../../../server/library/sets.js';
import type { SetClock } from '../../../server/record/archive.js';

function refusalOf(action: () => unknown): Refusal {
  try {
    action();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ChatRoom', () => {
  const dbs: WritableDB[] = [];
  afterEach(() => dbs.splice(0).forEach((db) => db.close()));

  function setup() {
    const db = openLibraryDatabase(':memory:');
    dbs.push(db);
    let now = 1_000_000;
    const setId = startSet(db, { title: 'T', hashtags: [], description: '' }, now);
    let clock: SetClock | undefined = { setId, recordingId: null, offsetMs: null };
    const room = new ChatRoom(db, new ChatRules(db, () => now), () => clock, () => now);
    const sent: ChatMessage[] = [];
    room.on('message', (m) => sent.push(m));
    const bucket = () => new TokenBucket(CHAT_LIMITS.burst, CHAT_LIMITS.refillMs, () => now);
    return {
      db,
      room,
      sent,
      setId,
      bucket,
      tick: (ms: number) => (now += ms),
      goOffline: () => (clock = undefined),
    };
  }
  const ana: ChatAuthor = { key: 'k-ana', name: 'Ana', role: 'viewer' };
  const bo: ChatAuthor = { key: 'k-bo', name: 'Bo', role: 'viewer' };
  const busker: ChatAuthor = { key: 'k-busker', name: 'Mo', role: 'busker' };

  it('is closed until a set is live, and says so', () => {
    const { room, setId, bucket } = setup();
    expect(refusalOf(() => room.post(ana, 'hi', bucket())).code).toBe('chat_closed');
    room.setLiveSet(setId);
    expect(room.post(ana, 'hi', bucket())).toMatchObject({ name: 'Ana', role: 'viewer', text: 'hi' });
  });

  it('stores messages with wall time and the recording position', () => {
    const { db, room, setId, bucket } = setup();
    room.setLiveSet(setId);
    room.post(ana, '  hello   there ', bucket());
    expect(db.prepare('SELECT text, created_at, recording_offset_ms, author_key FROM chat_messages').get()).toEqual({
      text: 'hello there',
      created_at: 1_000_000,
      recording_offset_ms: null,
      author_key: 'k-ana',
    });
  });

  it('rate-limits each connection with a clear "slow down" and when to retry', () => {
    const { room, setId, bucket, tick } = setup();
    room.setLiveSet(setId);
    const anas = bucket();
    for (let i = 0; i < CHAT_LIMITS.burst; i++) room.post(ana, `m${i}`, anas);
    const refusal = refusalOf(() => room.post(ana, 'one more', anas));
    expect(refusal).toMatchObject({ code: 'slow_down', retryAfterMs: CHAT_LIMITS.refillMs });
    expect(refusal.message).toMatch(/Slow down — you can send again in 2 s/);
    // Another viewer is not affected; Ana may write again once the bucket refills.
    room.post(bo, 'hi', bucket());
    tick(CHAT_LIMITS.refillMs);
    room.post(ana, 'back', anas);
  });

  it('slow mode: one message per viewer every N seconds, even across reconnects; the busker is exempt', () => {
    const { room, setId, bucket, tick } = setup();
    room.setLiveSet(setId);
    room.rules.updateSettings({ slowModeSeconds: 30, blockedWords: [] });
    room.post(ana, 'first', bucket());
    const refusal = refusalOf(() => room.post(ana, 'second', bucket()));
    expect(refusal.code).toBe('slow_down');
    expect(refusal.message).toMatch(/Slow mode is on \(one message every 30 s\)/);
    tick(29_000);
    expect(refusalOf(() => room.post(ana, 'still', bucket())).retryAfterMs).toBe(1000);
    tick(1000);
    room.post(ana, 'now', bucket());
    room.post(busker, 'one', bucket());
    room.post(busker, 'two', bucket());
  });

  it('mutes a message author: refused with a message that says so, until unmuted; settings persist', () => {
    const { db, room, setId, bucket } = setup();
    room.setLiveSet(setId);
    const message = room.post(ana, 'rude', bucket());
    const mute = room.muteAuthorOf(message.id)!;
    expect(mute).toMatchObject({ key: 'k-ana', name: 'Ana' });
    expect(refusalOf(() => room.post(ana, 'again', bucket()))).toMatchObject({ code: 'muted' });
    room.post(bo, 'fine', bucket());
    // A room opened later (node restart) still knows the mute.
    expect(new ChatRules(db).isMuted('k-ana')).toBe(true);
    expect(room.rules.unmute('k-ana')).toBe(true);
    expect(room.rules.unmute('k-ana')).toBe(false);
    room.post(ana, 'sorry', bucket());
    const own = room.post(busker, 'mine', bucket());
    expect(() => room.muteAuthorOf(own.id)).toThrow(Refusal);
    expect(room.muteAuthorOf(999)).toBeUndefined();
  });

  it('refuses blocked words (viewers only) and bad text', () => {
    const { room, setId, bucket } = setup();
    room.setLiveSet(setId);
    room.rules.updateSettings({ slowModeSeconds: 0, blockedWords: ['darn'] });
    expect(refusalOf(() => room.post(ana, 'oh DARN', bucket())).code).toBe('blocked_word');
    expect(refusalOf(() => room.post(ana, '   ', bucket())).code).toBe('bad_text');
    expect(refusalOf(() => room.post(ana, 'x'.repeat(CHAT_LIMITS.text + 1), bucket())).code).toBe('bad_text');
    room.post(busker, 'darn it, my string broke', bucket());
  });

  it('history: the latest 50 of the live set, oldest first, without deleted ones; a new set starts empty', () => {
    const { db, room, setId, tick } = setup();
    room.setLiveSet(setId);
    for (let i = 0; i < 60; i++) room.post(busker, `m${i}`, new TokenBucket(1, 1));
    const history = room.history();
    expect(history).toHaveLength(CHAT_LIMITS.history);
    expect(history[0]?.text).toBe('m10');
    expect(history.at(-1)?.text).toBe('m59');
    const deleted: number[] = [];
    room.on('deleted', (id) => deleted.push(id));
    expect(room.delete(history.at(-1)!.id)).toBe(true);
    expect(room.delete(history.at(-1)!.id)).toBe(false);
    expect(deleted).toEqual([history.at(-1)!.id]);
    expect(room.history().at(-1)?.text).toBe('m58');
    tick(1000);
    room.setLiveSet(startSet(db, { title: '', hashtags: [], description: '' }, 2));
    expect(room.history()).toEqual([]);
  });
});

describe('MarkerBoard', () => {
  const dbs: WritableDB[] = [];
  afterEach(() => dbs.splice(0).forEach((db) => db.close()));

  function setup() {
    const db = openLibraryDatabase(':memory:');
    dbs.push(db);
    let now = 5_000_000;
    const setId = startSet(db, { title: '', hashtags: [], description: '' }, now);
    const start = now;
    let live = true;
    const board = new MarkerBoard(db, () => (live ? { setId, recordingId: null, offsetMs: now - start } : undefined), () => now);
    const events: Marker[] = [];
    board.on('marker', (m) => events.push(m));
    return { db, board, setId, events, tick: (ms: number) => (now += ms), offline: () => (live = false) };
  }

  it('many taps within a few seconds are one marker with a count, at the first tap', () => {
    const { db, board, setId, tick, events } = setup();
    tick(60_000);
    const first = board.tap('a');
    tick(1500);
    board.tap('b');
    tick(3000);
    const third = board.tap('c');
    expect(third).toMatchObject({ id: first.id, count: 3, offsetMs: 60_000, kind: 'clip-that' });
    expect(setMarkers(db, setId)).toEqual([third]);
    expect(events.map((e) => e.count)).toEqual([1, 2, 3]);
  });

  it('a pause longer than the merge window starts a new marker; one marker never spans more than 30 s', () => {
    const { db, board, setId, tick } = setup();
    board.tap('a');
    tick(MARKER_MERGE_MS + 1);
    board.tap('b');
    expect(setMarkers(db, setId)).toHaveLength(2);
    // A crowd tapping steadily (a new person every 5 s) for a minute: split at the 30 s span.
    for (let i = 0; i < 12; i++) {
      tick(5000);
      board.tap(`crowd-${i}`);
    }
    const markers = setMarkers(db, setId);
    expect(markers.length).toBeGreaterThanOrEqual(3);
    for (const marker of markers) expect(marker.count).toBeLessThanOrEqual(MARKER_MAX_SPAN_MS / 5000 + 1);
    expect(markers.reduce((sum, m) => sum + m.count, 0)).toBe(14);
  });

  it('rate-limits each viewer and counts each viewer once per marker', () => {
    const { board, tick } = setup();
    board.tap('a');
    const refusal = refusalOf(() => board.tap('a'));
    expect(refusal).toMatchObject({ code: 'slow_down', retryAfterMs: MARKER_COOLDOWN_MS });
    tick(5000);
    board.tap('b');
    tick(4000);
    expect(board.tap('c').count).toBe(3);
    // A's cooldown is over and the marker is still open (others kept it going): A joins it, not counted twice.
    tick(MARKER_COOLDOWN_MS - 9000);
    expect(board.tap('a')).toMatchObject({ count: 3 });
  });

  it('refuses taps while nothing is live', () => {
    const { board, offline } = setup();
    offline();
    expect(refusalOf(() => board.tap('a')).code).toBe('not_live');
  });
});
