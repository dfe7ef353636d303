/**
 * The events-socket half of the fuzz test: malformed frames (binary, oversized, invalid UTF-8,
 * JSON of the wrong shape, hello/chat/comment/clip-that/ping with wrong types or refused values)
 * sent one at a time on real sockets, each answered by an `error` event or a close code.
 */
import WebSocket from 'ws';
import { NASTY_CHARS, Rng, wrongValue } from './fuzz-random.js';

export interface FrameCase {
  family: string;
  data: string | Buffer;
  /** Sent as a binary frame (default: text, even when `data` is bytes — invalid UTF-8 included). */
  binary?: boolean;
  /** Ends the socket (oversized, invalid UTF-8): sent last. */
  closes?: boolean;
  /** Another direct message that follows the error (a wrong token's hello is answered by error + welcome). */
  thenAlso?: string;
}

export type FrameOutcome =
  | { kind: 'error'; code: string; message: string }
  | { kind: 'close'; code: number }
  | { kind: 'other'; type: string }
  | { kind: 'timeout' };

/** Messages every socket gets whatever it sends (broadcasts): never an answer to a frame. */
const BROADCASTS = new Set(['status', 'viewers', 'page', 'chat-state', 'chat-history', 'chat', 'chat-deleted', 'shorts', 'comment', 'comment-deleted', 'notice', 'marker', 'recording', 'clip-job']);

export function clientId(rng: Rng): string {
  return rng.text(24, 'abcdefghijklmnopqrstuvwxyz0123456789');
}

/**
 * Opens a socket, waits for its greeting, optionally says a valid hello, then sends each frame and
 * waits for its answer. Returns one outcome per frame (frames after a close get none).
 */
export async function runFrames(port: number, frames: FrameCase[], options: { hello?: string; timeoutMs?: number } = {}): Promise<FrameOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/events`);
  const inbox: Array<{ type: string; error?: string; message?: string }> = [];
  let closedWith: number | undefined;
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    try {
      inbox.push(JSON.parse(String(data)) as { type: string });
    } catch {
      inbox.push({ type: 'unparseable' });
    }
    wake?.();
  });
  socket.on('close', (code) => {
    closedWith = code;
    wake?.();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });

  /** The next direct message after inbox index `from`, or the close. */
  const next = async (from: number): Promise<{ index: number; outcome: FrameOutcome }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < inbox.length; i++) {
        const message = inbox[i]!;
        if (BROADCASTS.has(message.type)) continue;
        const outcome: FrameOutcome =
          message.type === 'error' ? { kind: 'error', code: String(message.error), message: String(message.message) } : { kind: 'other', type: message.type };
        return { index: i + 1, outcome };
      }
      if (closedWith !== undefined) return { index: inbox.length, outcome: { kind: 'close', code: closedWith } };
      const left = deadline - Date.now();
      if (left <= 0) return { index: inbox.length, outcome: { kind: 'timeout' } };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  const outcomes: FrameOutcome[] = [];
  try {
    // The greeting ends with `shorts`; frames sent before it would still be answered, but waiting keeps answers in order.
    const greetDeadline = Date.now() + timeoutMs;
    while (!inbox.some((m) => m.type === 'shorts') && closedWith === undefined && Date.now() < greetDeadline) await new Promise((r) => setTimeout(r, 10));
    let cursor = inbox.length;
    if (options.hello) {
      socket.send(JSON.stringify({ type: 'hello', clientId: options.hello }));
      const welcome = await next(cursor);
      cursor = welcome.index;
      if (welcome.outcome.kind !== 'other') throw new Error(`hello was answered by ${JSON.stringify(welcome.outcome)}`);
    }
    for (const frame of frames) {
      if (closedWith !== undefined) break;
      socket.send(frame.data, { binary: frame.binary ?? false });
      const answer = await next(cursor);
      cursor = answer.index;
      outcomes.push(answer.outcome);
      if (frame.thenAlso && answer.outcome.kind === 'error') {
        const also = await next(cursor);
        cursor = also.index;
      }
    }
  } finally {
    socket.terminate();
  }
  return outcomes;
}

/** A flood: more frames at once than the guard allows; the socket must be closed with 1008. */
export async function flood(port: number, frames: number): Promise<number | undefined> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/events`);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  for (let i = 0; i < frames && socket.readyState === WebSocket.OPEN; i++) socket.send(JSON.stringify({ type: 'ping', id: i }));
  const code = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
  socket.terminate();
  return code;
}

const json = (value: unknown) => JSON.stringify(value);

/** Frames any socket may get, before or after hello (none of them valid). Over 16 KiB one ends its socket (1009). */
export function anytimeFrame(rng: Rng): FrameCase {
  const frame = anyFrame(rng);
  const bytes = typeof frame.data === 'string' ? Buffer.byteLength(frame.data) : frame.data.length;
  return bytes > 16 * 1024 ? { ...frame, closes: true } : frame;
}

function anyFrame(rng: Rng): FrameCase {
  switch (rng.int(9)) {
    case 0: return { family: 'ev-binary', data: rng.bytes(rng.between(0, 3000)), binary: true };
    case 1: return { family: 'ev-binary', data: Buffer.from(json({ type: 'ping', id: 1 })), binary: true };
    case 2: return { family: 'ev-bad-json', data: rng.pick([rng.text(rng.between(0, 200)), '{', '{"type":"ping","id":1', '[', '"', 'nul', '{"type":"hello",}', '\ufeff{}', '{}}']) };
    case 3: return { family: 'ev-wrong-shape', data: json(rng.pick([null, 1, 'hello', [], [{ type: 'ping', id: 1 }], true, {}, { type: null }, { type: 1 }, { type: ['chat'] }, { Type: 'ping', id: 1 }])) };
    case 4: return { family: 'ev-unknown-type', data: json({ ...(wrongValue(rng) as object), type: rng.pick(['welcome', 'status', 'error', 'pong', 'delete', 'mute', 'publish', 'admin', '__proto__', 'constructor', '', rng.text(10)]) }) };
    case 5: return { family: 'ev-ping-wrong', data: json({ type: 'ping', id: rng.pick(['1', 1.5, null, [], {}, 'NaN', true, 2 ** 60 + 0.5]) }) };
    case 6: return { family: 'ev-hello-wrong-types', data: json({ type: 'hello', clientId: rng.pick([1, null, '', 'short', 'x'.repeat(65), 'has space in it!!!!', '../../../../etc/passwd', rng.text(20, '🙂é\u0000')]), name: rng.bool() ? wrongValue(rng) : undefined }) };
    case 7: return { family: 'ev-hello-wrong-types', data: json({ type: 'hello', clientId: clientId(rng), name: rng.pick([1, {}, [], true, 'n'.repeat(201)]), token: rng.pick([undefined, 1, {}, 't'.repeat(201)]) }) };
    default: return { family: 'ev-comment-wrong-types', data: json({ type: 'comment', shortId: rng.pick(['1', 1.5, null, {}, 2 ** 60]), text: rng.pick([1, null, 'x'.repeat(2001), 'ok']) }) };
  }
}

/** Frames before hello: chat, comments and "clip that!" need a hello first. */
export function beforeHelloFrame(rng: Rng): FrameCase {
  if (rng.bool(0.5)) return anytimeFrame(rng);
  return {
    family: 'ev-before-hello',
    data: json(rng.pick([{ type: 'chat', text: 'hi' }, { type: 'clip-that' }, { type: 'comment', shortId: 1, text: 'nice' }, { type: 'chat', text: rng.text(50) }])),
  };
}

/** A text no chat rule accepts: empty once cleaned, or longer than 300 characters (but within the 2000 a frame may carry). */
export function badChatText(rng: Rng): string {
  return rng.pick([
    () => '',
    () => '   \t  ',
    () => Array.from({ length: rng.between(1, 30) }, () => rng.pick(['\u0000', '\u0007', '\u200b', '\u202e', '\u2066', '\ufeff', '\u200e', '\u001b'])).join(''),
    () => 'x'.repeat(rng.between(301, 2000)),
    () => '😀'.repeat(rng.between(301, 500)),
    () => Array.from({ length: rng.between(301, 600) }, () => rng.pick(NASTY_CHARS.filter((c) => c.length === 1 && c > ' '))).join('') + 'y'.repeat(301),
  ])();
}

/** The published short the fuzz node holds (id 1), so comments reach chat's rules. */
export const PUBLISHED_SHORT_ID = 1;

/** Frames after a valid hello (chat texts are refused: offline → chat_closed; live → bad_text or slow_down). */
export function afterHelloFrame(rng: Rng): FrameCase {
  switch (rng.int(9)) {
    case 8: return { family: 'ev-comment-bad-text', data: json({ type: 'comment', shortId: PUBLISHED_SHORT_ID, text: badChatText(rng) }) };
    case 0:
    case 1: return { family: 'ev-chat-bad-text', data: json({ type: 'chat', text: badChatText(rng) }) };
    case 2: return { family: 'ev-chat-wrong-types', data: json({ type: 'chat', text: rng.pick([1, null, {}, [], true, 'x'.repeat(2001)]) }) };
    case 3: return { family: 'ev-comment-unknown-short', data: json({ type: 'comment', shortId: rng.pick([0, -1, 999999, 2 ** 31]), text: rng.pick(['nice', badChatText(rng)]) }) };
    case 4: return { family: 'ev-hello-bad-name', data: json({ type: 'hello', clientId: clientId(rng), name: 'n'.repeat(rng.between(33, 200)) }) };
    case 5: return { family: 'ev-hello-bad-name', data: json({ type: 'hello', clientId: clientId(rng), name: rng.pick(['Busker', 'busker', 'ADMIN', 'Moderator', ' curbcast ']) }) };
    case 6: return { family: 'ev-hello-bad-token', data: json({ type: 'hello', clientId: clientId(rng), token: rng.pick(['', 'nope', 'x'.repeat(200), 'test-token-0123456789abcdeF']) }), thenAlso: 'welcome' };
    default: return anytimeFrame(rng);
  }
}

/** The frame that ends a socket, sent last. */
export function closingFrame(rng: Rng): FrameCase {
  switch (rng.int(3)) {
    case 0: return { family: 'ev-invalid-utf8', data: Buffer.concat([Buffer.from('{"type":"chat","text":"'), rng.pick([Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xe2, 0x82])]), Buffer.from('"}')]), closes: true };
    case 1: return { family: 'ev-huge', data: json({ type: 'chat', text: 'x'.repeat(rng.between(16 * 1024 + 1, 200 * 1024)) }), closes: true };
    default: return { family: 'ev-too-large', data: json({ type: 'chat', text: 'y'.repeat(rng.between(4097, 15 * 1024)) }) };
  }
}
