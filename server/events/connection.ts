import type { WebSocket, RawData } from 'ws';
import { ClientEventSchema, MAX_CLIENT_FRAME_BYTES, type ServerEvent } from '../../common/events.js';

/** A client that has not answered a ping for this long is gone (a phone that lost signal). */
export const HEARTBEAT_INTERVAL_MS = 20_000;

/**
 * One page's events socket. Owns its heartbeat timer and socket listeners; `close()` (or the
 * socket closing) frees both and calls `onClose` once.
 */
export class EventsConnection {
  #alive = true;
  #closed = false;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly onClose: (connection: EventsConnection) => void,
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

  send(event: ServerEvent): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(event));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.socket.removeAllListeners();
    // Keep a no-op error listener: a late socket error must not become an uncaught exception.
    this.socket.on('error', () => undefined);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
    this.onClose(this);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#alive = true;
    if (isBinary) {
      this.#refuse('binary', 'The events socket speaks JSON text only.');
      return;
    }
    const text = rawToString(data);
    if (text.length > MAX_CLIENT_FRAME_BYTES) {
      this.#refuse('too_large', 'That message is too large.');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#refuse('bad_json', 'That message is not valid JSON.');
      return;
    }
    const parsed = ClientEventSchema.safeParse(json);
    if (!parsed.success) {
      this.#refuse('bad_message', 'That message is not one the node understands.');
      return;
    }
    const event = parsed.data;
    switch (event.type) {
      case 'ping':
        this.send({ type: 'pong', id: event.id });
        break;
    }
  }

  #refuse(error: string, message: string): void {
    this.send({ type: 'error', error, message });
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
