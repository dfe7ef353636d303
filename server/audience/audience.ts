import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Page } from '../../common/api.js';
import type { ChatMessage } from '../../common/chat.js';
import type { Comment } from '../../common/clips.js';
import type { ShortsGallery } from '../clips/shorts-gallery.js';
import type { Marker } from '../../common/markers.js';
import type { ScheduledSet } from '../../common/schedule.js';
import { EVENTS_PROTOCOL_VERSION, type ClientEvent, type ServerEvent, type ServerEventOf } from '../../common/events.js';
import { tokensMatch } from '../auth.js';
import type { EventsConnection } from '../events/connection.js';
import { EventsHub } from '../events/hub.js';
import type { WritableDB } from '../library/database.js';
import type { RecordingState, SetArchive } from '../record/archive.js';
import type { Sfu } from '../sfu/sfu.js';
import { ChatRoom } from './chat-room.js';
import { ChatRules } from './chat-rules.js';
import { authorKey, viewerName } from './identity.js';
import { LocationConsent } from './location-consent.js';
import { MarkerBoard } from './marker-board.js';
import { ProfileStore } from './profile-store.js';
import { Refusal } from './refusal.js';
import { Scheduler, systemClock, type SchedulerClock } from './scheduler.js';

export interface AudienceOptions {
  sfu: Sfu;
  archive: SetArchive;
  db: WritableDB;
  dataDir: string;
  publishToken: () => string;
  logger: Logger;
  maxConnections?: number;
  heartbeatMs?: number;
  /** Tests drive the schedule with a fake clock. */
  clock?: SchedulerClock;
  /** The busker's published shorts and their comments (built on `rules`). */
  gallery: (rules: ChatRules) => ShortsGallery;
}

/**
 * Everything the audience sees and does, wired to the events sockets: status and the busker's
 * page out; `hello`, chat and "clip that!" in. The rooms it holds (chat, markers, schedule,
 * profile, location consent) know nothing of sockets; this class is the only one that does.
 */
export class Audience {
  readonly hub: EventsHub;
  /** Mutes, slow mode, blocked words, rate limits: for chat and comments alike. */
  readonly rules: ChatRules;
  readonly chat: ChatRoom;
  readonly markers: MarkerBoard;
  readonly scheduler: Scheduler;
  readonly profile: ProfileStore;
  readonly location: LocationConsent;
  readonly gallery: ShortsGallery;
  readonly #unsubscribes: Array<() => void> = [];
  readonly #options: AudienceOptions;

  constructor(options: AudienceOptions) {
    this.#options = options;
    const { sfu, archive, db } = options;
    const clock = options.clock ?? systemClock;
    const setClock = () => archive.clock(clock.now());
    this.rules = new ChatRules(db, clock.now);
    this.chat = new ChatRoom(db, this.rules, setClock, clock.now);
    this.markers = new MarkerBoard(db, setClock, clock.now);
    this.scheduler = new Scheduler(db, clock);
    this.profile = new ProfileStore(db, options.dataDir);
    this.location = new LocationConsent(db, sfu);
    this.gallery = options.gallery(this.rules);
    this.hub = new EventsHub({
      maxConnections: options.maxConnections,
      heartbeatMs: options.heartbeatMs,
      onOpen: (connection) => this.#welcomeSocket(connection),
      onEvent: (connection, event) => this.#onClientEvent(connection, event),
    });

    const toBusker = (c: EventsConnection) => c.isBusker;
    this.#on(sfu, 'status', () => this.hub.broadcast(this.#statusEvent()));
    this.#on(sfu, 'viewers', (count: number) => this.hub.broadcast({ type: 'viewers', count }));
    this.#on(archive, 'recording', (state: RecordingState) => this.hub.broadcast(recordingEvent(state), toBusker));
    this.#on(archive, 'set-started', (setId: number) => {
      this.markers.reset();
      this.chat.setLiveSet(setId);
      this.scheduler.setStarted(setId);
    });
    this.#on(archive, 'set-ended', () => {
      this.markers.reset();
      this.chat.setLiveSet(undefined);
    });
    this.#on(this.chat, 'message', (message: ChatMessage) => this.hub.broadcast({ type: 'chat', message }));
    this.#on(this.chat, 'deleted', (id: number) => this.hub.broadcast({ type: 'chat-deleted', id }));
    this.#on(this.chat, 'state', () => this.hub.broadcast(this.#chatStateEvent()));
    this.#on(this.rules, 'settings', () => this.hub.broadcast(this.#chatStateEvent()));
    this.#on(this.chat, 'history', (messages: ChatMessage[]) => this.hub.broadcast({ type: 'chat-history', messages }));
    this.#on(this.rules, 'mute', (key: string, muted: boolean) => {
      // Tell the muted viewer's own pages at once (a page shows "you are muted" from its welcome).
      for (const connection of this.hub.connections()) {
        const identity = connection.identity;
        if (identity?.key === key && identity.role === 'viewer') connection.send({ type: 'welcome', role: 'viewer', name: identity.name, muted });
      }
    });
    this.#on(this.markers, 'marker', (marker: Marker) => this.hub.broadcast({ type: 'marker', marker }, toBusker));
    this.#on(this.scheduler, 'starting-soon', (set: ScheduledSet) => this.hub.broadcast({ type: 'notice', kind: 'starting-soon', set }));
    this.#on(this.scheduler, 'changed', () => this.hub.broadcast(this.#pageEvent()));
    this.#on(this.profile, 'changed', () => this.hub.broadcast(this.#pageEvent()));
    this.#on(this.gallery, 'changed', () => this.hub.broadcast(this.#shortsEvent()));
    this.#on(this.gallery, 'comment', (shortId: number, comment: Comment) => this.hub.broadcast({ type: 'comment', shortId, comment }));
    this.#on(this.gallery, 'comment-deleted', (shortId: number, id: number) => this.hub.broadcast({ type: 'comment-deleted', shortId, id }));
    // The schedule reloads from the library (a restarted node announces what came due meanwhile).
    this.scheduler.start();
  }

  /** The busker's page, as GET /api/page and the `page` event give it. */
  page(): Page {
    return { profile: this.profile.profile, schedule: this.scheduler.upcoming() };
  }

  /** Sends a private event to the busker's pages only (e.g. an export's progress). */
  toBusker(event: ServerEvent): void {
    this.hub.broadcast(event, (c) => c.isBusker);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.hub.handleUpgrade(req, socket, head);
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.scheduler.close();
    this.location.close();
    this.hub.close();
  }

  #welcomeSocket(connection: EventsConnection): void {
    connection.send(this.#statusEvent());
    connection.send(this.#pageEvent());
    connection.send(this.#chatStateEvent());
    connection.send({ type: 'chat-history', messages: this.chat.history() });
    connection.send(this.#shortsEvent());
  }

  #onClientEvent(connection: EventsConnection, event: Exclude<ClientEvent, { type: 'ping' }>): void {
    try {
      switch (event.type) {
        case 'hello':
          this.#hello(connection, event);
          break;
        case 'chat':
          this.chat.post(this.#identityOf(connection), event.text, connection.chatBucket);
          break;
        case 'comment':
          this.gallery.comment(this.#identityOf(connection), event.shortId, event.text, connection.chatBucket);
          break;
        case 'clip-that': {
          const marker = this.markers.tap(this.#identityOf(connection).key);
          connection.send({ type: 'marked', markerId: marker.id, count: marker.count });
          break;
        }
      }
    } catch (error) {
      if (error instanceof Refusal) {
        connection.refuse(error.code, error.message, error.retryAfterMs);
        return;
      }
      // A full disk under SQLite, say: this page hears "try again", every other page carries on.
      this.#options.logger.error({ err: error, type: event.type }, 'events message failed');
      connection.refuse('internal', 'The node could not do that just now; try again in a moment.');
    }
  }

  #hello(connection: EventsConnection, hello: ServerEventOfClient<'hello'>): void {
    const key = authorKey(hello.clientId);
    if (hello.token !== undefined && !tokensMatch(hello.token, this.#options.publishToken())) {
      connection.refuse('bad_token', 'That publish token is not this node’s; this page can only watch.');
    }
    const busker = hello.token !== undefined && tokensMatch(hello.token, this.#options.publishToken());
    const buskerName = this.profile.profile.name;
    const name = busker ? buskerName || 'Busker' : viewerName(hello.name, key, buskerName);
    const wasBusker = connection.isBusker;
    connection.identity = { key, name, role: busker ? 'busker' : 'viewer' };
    connection.send({ type: 'welcome', role: connection.identity.role, name, muted: !busker && this.rules.isMuted(key) });
    if (busker && !wasBusker) {
      connection.send(recordingEvent(this.#options.archive.state));
      const setId = this.#options.archive.clock() ? this.#options.archive.liveSetId : undefined;
      if (setId !== undefined) for (const marker of this.markers.markersOf(setId)) connection.send({ type: 'marker', marker });
    }
  }

  #identityOf(connection: EventsConnection) {
    const identity = connection.identity;
    if (!identity) throw new Refusal('hello_first', 'Say hello first (the page does this when it connects).');
    // The busker's name follows the profile, even for a studio that said hello before a rename.
    return identity.role === 'busker' ? { ...identity, name: this.profile.profile.name || 'Busker' } : identity;
  }

  #statusEvent(): ServerEvent {
    return { type: 'status', version: EVENTS_PROTOCOL_VERSION, status: this.#options.sfu.status() };
  }

  #pageEvent(): ServerEvent {
    return { type: 'page', ...this.page() };
  }

  #shortsEvent(): ServerEvent {
    return { type: 'shorts', shorts: this.gallery.shorts() };
  }

  #chatStateEvent(): ServerEvent {
    return { type: 'chat-state', open: this.chat.open, slowModeSeconds: this.rules.settings.slowModeSeconds };
  }

  #on<A extends unknown[]>(
    emitter: { on(name: string, listener: (...args: A) => void): unknown; off(name: string, listener: (...args: A) => void): unknown },
    name: string,
    listener: (...args: A) => void,
  ): void {
    emitter.on(name, listener);
    this.#unsubscribes.push(() => emitter.off(name, listener));
  }
}

type ServerEventOfClient<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;

export function recordingEvent(state: RecordingState): ServerEventOf<'recording'> {
  return state.state === 'failed'
    ? { type: 'recording', state: 'failed', reason: state.reason }
    : { type: 'recording', state: state.state };
}
