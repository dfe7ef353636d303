import type { Status } from '../../common/api.js';
import type { ClientEvent, ServerEvent, ServerEventOf } from '../../common/events.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

/**
 * The only code in the pages that speaks the events protocol (`/events`, docs/events-protocol.md).
 *
 * `connecting`: first attempt; `open`: connected; `reconnecting`: lost, waiting to try again;
 * `closed`: `close()` was called and nothing will happen any more.
 */
export type EventsConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The node's recorder: `failed` carries a reason a busker can act on ("disk full"). */
export type RecordingEvent = Omit<Extract<ServerEvent, { type: 'recording' }>, 'type'>;

export interface EventsClientOptions {
  /**
   * Checks one parsed message and returns it typed, or undefined to drop it. The studio passes the
   * zod schema (`validateServerEvent`); the viewer a hand-written guard that keeps zod off phones.
   */
  validate: (message: unknown) => ServerEvent | undefined;
  onStatus?: (status: Status) => void;
  onViewers?: (count: number) => void;
  /** The recorder's state: on connect and whenever it changes (studio only; viewers are not told). */
  onRecording?: (recording: RecordingEvent) => void;
  onConnectionChange?: (state: EventsConnectionState) => void;
  /**
   * Who this page is, sent as `hello` on every (re)connect: the tab's client id, the chosen name,
   * and (studio) the publish token. Called each time, so a changed name is picked up.
   */
  hello?: () => Omit<ServerHello, 'type'>;
  /** Every other message (page, welcome, chat…, notice, marked, marker), already validated. */
  onEvent?: (event: ServerEvent) => void;
  /** A message the node refused (the socket stays open); `retryAfterMs` comes with `slow_down`. */
  onServerError?: (error: Omit<ServerEventOf<'error'>, 'type'>) => void;
  /** Defaults to `/events` on the page's own host, ws: or wss: as the page. */
  url?: string;
  /** How often to ping; a ping unanswered for two intervals means the socket is dead. */
  pingIntervalMs?: number;
  backoff?: BackoffOptions;
}

type ServerHello = Extract<ClientEvent, { type: 'hello' }>;

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 10_000 };

/**
 * Keeps one events socket open for as long as the page wants it: reconnects by itself with
 * exponential backoff and jitter (at once when the device comes back online or the page becomes
 * visible again), and notices a silently dead socket by its missing pongs. `close()` frees every
 * timer and listener.
 */
export class EventsClient {
  readonly #options: EventsClientOptions;
  readonly #url: string;
  readonly #pingIntervalMs: number;
  #socket: WebSocket | undefined;
  #state: EventsConnectionState = 'connecting';
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pingId = 0;
  /** When the oldest unanswered ping was sent. */
  #awaitingPongSince: number | undefined;

  constructor(options: EventsClientOptions) {
    this.#options = options;
    this.#url = options.url ?? defaultEventsUrl();
    this.#pingIntervalMs = options.pingIntervalMs ?? 15_000;
    window.addEventListener('online', this.#reconnectNow);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#connect();
  }

  get state(): EventsConnectionState {
    return this.#state;
  }

  /** Sends a message now; false when the socket is not open (the caller says "not connected"). */
  send(event: ClientEvent): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#send(event);
    return true;
  }

  /** Sends `hello` again (after the page's name changed); on reconnect it is sent anyway. */
  sayHello(): void {
    const hello = this.#options.hello?.();
    if (hello) this.send({ type: 'hello', ...hello });
  }

  close(): void {
    if (this.#state === 'closed') return;
    window.removeEventListener('online', this.#reconnectNow);
    document.removeEventListener('visibilitychange', this.#onVisibility);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#dropSocket();
    this.#setState('closed');
  }

  #connect(): void {
    this.#retryTimer = undefined;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#setState('open');
      this.#awaitingPongSince = undefined;
      this.#pingTimer = setInterval(this.#heartbeat, this.#pingIntervalMs);
      this.sayHello();
    };
    socket.onmessage = (event: MessageEvent) => this.#onMessage(event.data);
    // 'error' is always followed by 'close'; reconnecting from 'close' alone is enough.
    socket.onclose = () => {
      this.#dropSocket();
      this.#scheduleReconnect();
    };
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const event = this.#options.validate(json);
    if (!event) return;
    switch (event.type) {
      case 'status':
        // A whole status proves the socket is good end to end: the next loss starts from a short wait.
        this.#attempt = 0;
        this.#options.onStatus?.(event.status);
        break;
      case 'viewers':
        this.#options.onViewers?.(event.count);
        break;
      case 'recording':
        this.#options.onRecording?.({ state: event.state, reason: event.reason });
        break;
      case 'pong':
        this.#awaitingPongSince = undefined;
        break;
      case 'error': {
        const { type: _type, ...error } = event;
        this.#options.onServerError?.(error);
        break;
      }
      default:
        this.#options.onEvent?.(event);
    }
  }

  readonly #heartbeat = (): void => {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (this.#awaitingPongSince !== undefined && Date.now() - this.#awaitingPongSince >= 2 * this.#pingIntervalMs - 100) {
      // Two intervals without a pong: a phone that walked out of Wi-Fi range, a laptop that slept.
      this.#dropSocket();
      this.#scheduleReconnect();
      return;
    }
    this.#awaitingPongSince ??= Date.now();
    this.#send({ type: 'ping', id: ++this.#pingId });
  };

  #send(event: ClientEvent): void {
    this.#socket?.send(JSON.stringify(event));
  }

  /** Forgets the current socket: no handler of it will run again. */
  #dropSocket(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#awaitingPongSince = undefined;
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed' || this.#retryTimer !== undefined) return;
    this.#setState('reconnecting');
    const delay = backoffDelay(this.#attempt++, this.#options.backoff ?? DEFAULT_BACKOFF);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Skips the rest of a backoff wait (the network came back, or the page is looked at again). */
  readonly #reconnectNow = (): void => {
    if (this.#state !== 'reconnecting' || this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#connect();
  };

  readonly #onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.#reconnectNow();
  };

  #setState(state: EventsConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onConnectionChange?.(state);
  }
}

function defaultEventsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/events`;
}
