import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_CLIENT_FRAME_BYTES, type ServerEvent } from '../../common/events.js';
import { EventsConnection, HEARTBEAT_INTERVAL_MS, type ConnectionHandlers } from './connection.js';

export interface EventsHubOptions {
  /** Most sockets at once; more are refused with 503 before the upgrade. */
  maxConnections?: number;
  heartbeatMs?: number;
  /** A socket opened: send it its first messages. */
  onOpen(connection: EventsConnection): void;
  onEvent: ConnectionHandlers['onEvent'];
}

/** The events sockets: accepts them, keeps the set of open ones, and fans messages out. */
export class EventsHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES * 4 });
  readonly #connections = new Set<EventsConnection>();
  readonly #maxConnections: number;
  readonly #heartbeatMs: number;
  readonly #handlers: ConnectionHandlers;
  readonly #onOpen: EventsHubOptions['onOpen'];

  constructor(options: EventsHubOptions) {
    this.#maxConnections = options.maxConnections ?? 2000;
    this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    this.#onOpen = options.onOpen;
    this.#handlers = {
      onEvent: options.onEvent,
      onClose: (connection) => this.#connections.delete(connection),
    };
  }

  get size(): number {
    return this.#connections.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#connections.size >= this.#maxConnections) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new EventsConnection(ws, this.#handlers, this.#heartbeatMs);
      this.#connections.add(connection);
      this.#onOpen(connection);
    });
  }

  /** Sends to every open socket, or to those `to` picks (the busker's, for private events). */
  broadcast(event: ServerEvent, to?: (connection: EventsConnection) => boolean): void {
    // Serialised once, not once per socket: with hundreds of viewers a chat line costs one stringify.
    let text: string | undefined;
    for (const connection of this.#connections) {
      if (to && !to(connection)) continue;
      text ??= JSON.stringify(event);
      connection.sendText(text);
    }
  }

  /** Every open socket (a copy: sending may close one). */
  connections(): EventsConnection[] {
    return [...this.#connections];
  }

  close(): void {
    for (const connection of [...this.#connections]) connection.close();
    this.#wss.close();
  }
}
