import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { EVENTS_PROTOCOL_VERSION, MAX_CLIENT_FRAME_BYTES, type ServerEvent } from '../../common/events.js';
import type { Sfu } from '../sfu/sfu.js';
import { EventsConnection, HEARTBEAT_INTERVAL_MS } from './connection.js';

export interface EventsHubOptions {
  /** The recorder's current state, sent to each new socket. */
  recordingState?: () => Extract<ServerEvent, { type: 'recording' }>;
  /** Most sockets at once; more are refused with 503 before the upgrade. */
  maxConnections?: number;
  heartbeatMs?: number;
}

/** Fans node state out to every page's events socket. */
export class EventsHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES * 4 });
  readonly #connections = new Set<EventsConnection>();
  readonly #maxConnections: number;
  readonly #heartbeatMs: number;
  readonly #recordingState: EventsHubOptions['recordingState'];
  readonly #unsubscribe: () => void;

  constructor(private readonly sfu: Sfu, options: EventsHubOptions = {}) {
    this.#maxConnections = options.maxConnections ?? 2000;
    this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    this.#recordingState = options.recordingState;
    const onStatus = () => this.broadcast(this.#statusEvent());
    const onViewers = (count: number) => this.broadcast({ type: 'viewers', count });
    sfu.on('status', onStatus);
    sfu.on('viewers', onViewers);
    this.#unsubscribe = () => {
      sfu.off('status', onStatus);
      sfu.off('viewers', onViewers);
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
      const connection = new EventsConnection(ws, (c) => this.#connections.delete(c), this.#heartbeatMs);
      this.#connections.add(connection);
      connection.send(this.#statusEvent());
      const recording = this.#recordingState?.();
      if (recording) connection.send(recording);
    });
  }

  broadcast(event: ServerEvent): void {
    for (const connection of this.#connections) connection.send(event);
  }

  close(): void {
    this.#unsubscribe();
    for (const connection of [...this.#connections]) connection.close();
    this.#wss.close();
  }

  #statusEvent(): ServerEvent {
    return { type: 'status', version: EVENTS_PROTOCOL_VERSION, status: this.sfu.status() };
  }
}
