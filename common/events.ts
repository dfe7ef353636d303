import { z } from 'zod';
import { StatusSchema } from './api.js';

/**
 * The events WebSocket (`/events`): app data only — live/offline, counts, set info, and later chat.
 * Media negotiation never travels here; WHIP/WHEP carry it. See docs/events-protocol.md.
 */
export const EVENTS_PROTOCOL_VERSION = 1;

/** Largest frame the node accepts from a client; anything bigger closes the socket (1009). */
export const MAX_CLIENT_FRAME_BYTES = 4096;

export const ServerEventSchema = z.discriminatedUnion('type', [
  /** First message on every socket, and again whenever anything in it changes. */
  z.object({ type: z.literal('status'), version: z.number(), status: StatusSchema }),
  /** Viewer count changed (sent alone because it changes often). */
  z.object({ type: z.literal('viewers'), count: z.number().int().nonnegative() }),
  /** The recorder's state: sent on connect and when it changes ("recording stopped: disk full"). */
  z.object({
    type: z.literal('recording'),
    state: z.enum(['off', 'recording', 'failed']),
    reason: z.string().optional(),
  }),
  /** The answer to a client's `ping`. */
  z.object({ type: z.literal('pong'), id: z.number() }),
  /** A client message the node refused; the socket stays open. */
  z.object({ type: z.literal('error'), error: z.string(), message: z.string() }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;

export const ClientEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: z.number().int() }),
]);
export type ClientEvent = z.infer<typeof ClientEventSchema>;
