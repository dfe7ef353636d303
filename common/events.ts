import { z } from 'zod';
import { StatusSchema } from './api.js';
import { ChatMessageSchema, ChatRoleSchema, ClientIdSchema } from './chat.js';
import { ClipJobSchema, CommentSchema, ShortSchema } from './clips.js';
import { MarkerSchema } from './markers.js';
import { ProfileSchema } from './profile.js';
import { RelayStateSchema } from './relay.js';
import { ScheduledSetSchema } from './schedule.js';

/**
 * The events WebSocket (`/events`): app data only — live/offline, counts, set info, chat, the
 * busker's page, notices and markers. Media negotiation never travels here; WHIP/WHEP carry it.
 * See docs/events-protocol.md.
 */
export const EVENTS_PROTOCOL_VERSION = 1;

/** Largest frame the node accepts from a client; anything bigger closes the socket (1009). */
export const MAX_CLIENT_FRAME_BYTES = 4096;

const ChatStateSchema = z.object({
  /** Chat is open while a set is live. */
  open: z.boolean(),
  /** Seconds between a viewer's messages; 0 = off. */
  slowModeSeconds: z.number().int().nonnegative(),
});
export type ChatState = z.infer<typeof ChatStateSchema>;

export const ServerEventSchema = z.discriminatedUnion('type', [
  /** First message on every socket, and again whenever anything in it changes. */
  z.object({ type: z.literal('status'), version: z.number(), status: StatusSchema }),
  /** Viewer count changed (sent alone because it changes often). */
  z.object({ type: z.literal('viewers'), count: z.number().int().nonnegative() }),
  /** The busker's page: profile and upcoming sets. On connect and when either changes. */
  z.object({ type: z.literal('page'), profile: ProfileSchema, schedule: z.array(ScheduledSetSchema) }),
  /** Answer to `hello`: who this socket is now. `muted`: the busker muted this viewer. */
  z.object({ type: z.literal('welcome'), role: ChatRoleSchema, name: z.string(), muted: z.boolean() }),
  /** Whether chat is open and its slow mode. On connect and when either changes. */
  z.object({ type: z.literal('chat-state'), ...ChatStateSchema.shape }),
  /** The current set's latest messages, oldest first: on connect and when a set starts (empty). */
  z.object({ type: z.literal('chat-history'), messages: z.array(ChatMessageSchema) }),
  z.object({ type: z.literal('chat'), message: ChatMessageSchema }),
  /** The busker deleted a message: pages remove it. */
  z.object({ type: z.literal('chat-deleted'), id: z.number().int() }),
  /** A scheduled set starts within five minutes (sent once, to every socket open then). */
  z.object({ type: z.literal('notice'), kind: z.literal('starting-soon'), set: ScheduledSetSchema }),
  /** This viewer's "clip that!" tap counted: the marker it joined and its count now. */
  z.object({ type: z.literal('marked'), markerId: z.number().int(), count: z.number().int() }),
  /** Busker only: a marker was made or its count grew. */
  z.object({ type: z.literal('marker'), marker: MarkerSchema }),
  /** Published shorts with their latest comments: on connect and when the list changes. */
  z.object({ type: z.literal('shorts'), shorts: z.array(ShortSchema) }),
  /** A new comment on a published short. */
  z.object({ type: z.literal('comment'), shortId: z.number().int(), comment: CommentSchema }),
  /** The busker deleted a comment. */
  z.object({ type: z.literal('comment-deleted'), shortId: z.number().int(), id: z.number().int() }),
  /** Busker only: a fast-copy export's progress, and its end (done with the clip, failed, cancelled). */
  z.object({ type: z.literal('clip-job'), job: ClipJobSchema }),
  /** Busker only: the recorder's state, on hello and when it changes ("recording stopped: disk full"). */
  z.object({
    type: z.literal('recording'),
    state: z.enum(['off', 'recording', 'failed']),
    reason: z.string().optional(),
  }),
  /** Busker only: the "Also publish to" relay's state (common/relay.ts), whenever it changes. */
  z.object({ type: z.literal('relay'), state: RelayStateSchema }),
  /** The answer to a client's `ping`. */
  z.object({ type: z.literal('pong'), id: z.number() }),
  /**
   * A client message the node refused; the socket stays open. `retryAfterMs` comes with
   * `slow_down` (rate limit or slow mode): when the page may try again.
   */
  z.object({
    type: z.literal('error'),
    error: z.string(),
    message: z.string(),
    retryAfterMs: z.number().int().nonnegative().optional(),
  }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
export type ServerEventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

export const ClientEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: z.number().int() }),
  /**
   * Who this page is: its tab's stable `clientId`, an optional chosen `name` (empty: a guest name
   * is made from the id), and the publish `token` from the studio. Send on every (re)connect,
   * and again to change name. Raw strings here; the node cleans and checks them.
   */
  z.object({
    type: z.literal('hello'),
    clientId: ClientIdSchema,
    name: z.string().max(200).optional(),
    token: z.string().max(200).optional(),
  }),
  z.object({ type: z.literal('chat'), text: z.string().max(2000) }),
  /** "Clip that!": this moment was great. */
  z.object({ type: z.literal('clip-that') }),
  /** A comment on a published short (same rules as chat, but open while offline too). */
  z.object({ type: z.literal('comment'), shortId: z.number().int(), text: z.string().max(2000) }),
]);
export type ClientEvent = z.infer<typeof ClientEventSchema>;
