import type { WebSocket, RawData } from 'ws';
import { CHAT_LIMITS } from '../../common/chat.js';
import { ClientEventSchema, MAX_CLIENT_FRAME_BYTES, type ClientEvent, type ServerEvent } from '../../common/events.js';
import { TokenBucket } from '../audience/token-bucket.js';
import { instances } from '../diagnostics/gauges.js';

/** A client that has not answered a ping for this long is gone (a phone that lost signal). */
export const HEARTBEAT_INTERVAL_MS = 20_000;

/** More frames than this per second (sustained, burst of the same) closes the socket: a flood, not a person. */
export const MAX_FRAMES_PER_SECOND = 20;

/** Who a socket is, once it said `hello`. `key` is the hash of its tab's client id. */
export interface ConnectionIdentity {
  key: string;
  name: string;
  role: 'viewer' | 'busker';
}

export interface ConnectionHandlers {
  /** A valid message from the page (ping is answered here and not passed on). */
  onEvent(connection: EventsConnection, event: Exclude<ClientEvent, { type: 'ping' }>): void;
  onClose(connection: EventsConnection): void;
}

/**
 * One page's events socket. Owns its heartbeat timer, socket listeners and rate limits; `close()`
 * (or the socket closing) frees them all and calls `onClose` once.
 */
export class EventsConnection {
  /** Set by the audience when the page says hello. */
  identity: ConnectionIdentity | undefined;
  /** The chat rate limit of this socket (messages at once, then one per refill). */
  readonly chatBucket = new TokenBucket(CHAT_LIMITS.burst, CHAT_LIMITS.refillMs);
  readonly #floodGuard = new TokenBucket(MAX_FRAMES_PER_SECOND, 1000 / MAX_FRAMES_PER_SECOND);
  #alive = true;
  #closed = false;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #untrack = instances.track('events-socket', this);

  constructor(
    private readonly socket: WebSocket,
    private readonly handlers: ConnectionHandlers,
    heartbeatMs = HEARTBEAT_INTERVAL_MS,
  ) {
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('pong', () => (this.#alive = true));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
    // Two missed pings in a row and the socket is dropped: ~2 intervals of silence at most.
    this.#heartbeat = setInterval(() => {
      if (!this.#alive) {
        this.socket.terminate();
        this.close();
        return;
      }
      this.#alive = false;
      this.socket.ping();
    }, heartbeatMs);
  }

  get isBusker(): boolean {
    return this.identity?.role === 'busker';
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(event: ServerEvent): void {
    this.sendText(JSON.stringify(event));
  }

  /** An already serialised event (the hub stringifies a broadcast once for every socket). */
  sendText(text: string): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
  }

  /** Refuses a message; the socket stays open. */
  refuse(error: string, message: string, retryAfterMs?: number): void {
    this.send(retryAfterMs === undefined ? { type: 'error', error, message } : { type: 'error', error, message, retryAfterMs });
  }

  close(code = 1000): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#untrack();
    this.socket.removeAllListeners();
    // Keep a no-op error listener: a late socket error must not become an uncaught exception.
    this.socket.on('error', () => undefined);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code);
    this.handlers.onClose(this);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#alive = true;
    if (this.#floodGuard.take() > 0) {
      this.close(1008);
      return;
    }
    if (isBinary) {
      this.refuse('binary', 'The events socket speaks JSON text only.');
      return;
    }
    const text = rawToString(data);
    if (text.length > MAX_CLIENT_FRAME_BYTES) {
      this.refuse('too_large', 'That message is too large.');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.refuse('bad_json', 'That message is not valid JSON.');
      return;
    }
    const parsed = ClientEventSchema.safeParse(json);
    if (!parsed.success) {
      this.refuse('bad_message', 'That message is not one the node understands.');
      return;
    }
    const event = parsed.data;
    if (event.type === 'ping') this.send({ type: 'pong', id: event.id });
    else this.handlers.onEvent(this, event);
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
