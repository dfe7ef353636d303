import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ServerEventSchema, type ClientEvent, type ServerEvent } from '../../common/events.js';
import { waitFor } from './wait.js';

export type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** A test's events socket: records every message (each checked against the shared schema). */
export interface EventsSocket {
  socket: WebSocket;
  clientId: string;
  events: ServerEvent[];
  all<T extends ServerEvent['type']>(type: T): Array<EventOf<T>>;
  last<T extends ServerEvent['type']>(type: T): EventOf<T> | undefined;
  send(event: ClientEvent | Record<string, unknown>): void;
  /** Waits for the first message of `type` (after `from`, an index into `events`) that `match` accepts. */
  next<T extends ServerEvent['type']>(type: T, match?: (event: EventOf<T>) => boolean, from?: number, timeoutMs?: number): Promise<EventOf<T>>;
  /** Sends hello and waits for the welcome. */
  hello(options?: { name?: string; token?: string }): Promise<EventOf<'welcome'>>;
  close(): void;
}

export function newClientId(): string {
  return randomBytes(12).toString('hex');
}

export async function openEventsSocket(port: number, clientId = newClientId()): Promise<EventsSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/events`);
  const events: ServerEvent[] = [];
  socket.on('message', (data) => events.push(ServerEventSchema.parse(JSON.parse(String(data)))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const all = <T extends ServerEvent['type']>(type: T) => events.filter((e): e is EventOf<T> => e.type === type);
  const client: EventsSocket = {
    socket,
    clientId,
    events,
    all,
    last: (type) => all(type).at(-1),
    send: (event) => socket.send(JSON.stringify(event)),
    async next(type, match = () => true, from = 0, timeoutMs = 5000) {
      return (await waitFor(
        `a ${type} event`,
        () => events.slice(from).find((e) => e.type === type && match(e as never)),
        timeoutMs,
      )) as never;
    },
    async hello(options = {}) {
      const from = events.length;
      client.send({ type: 'hello', clientId, ...options });
      return client.next('welcome', () => true, from);
    },
    close: () => socket.close(),
  };
  return client;
}
