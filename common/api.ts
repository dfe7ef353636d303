import { z } from 'zod';
import { LocationInputSchema, PublicLocationSchema } from './location.js';
import { ProfileSchema } from './profile.js';
import { ScheduledSetSchema } from './schedule.js';
import { SetInfoSchema } from './set-info.js';

/** GET /api/status — public: what any viewer may know. */
export const StatusSchema = z.object({
  live: z.boolean(),
  viewers: z.number().int().nonnegative(),
  /** The live set's info, or the info prepared for the next set while offline. */
  set: SetInfoSchema,
  /** When the current set started (ms since epoch), or null while offline. */
  startedAt: z.number().nullable(),
  /** Live, but the busker's connection dropped: the set waits for it to come back (viewers keep their sessions). */
  interrupted: z.boolean(),
  /** Where the busker plays: only while live, and only when the busker agreed for this set. */
  location: PublicLocationSchema.nullable(),
});
export type Status = z.infer<typeof StatusSchema>;

/** GET /api/share — admin: the addresses a passer-by can open. */
export const ShareSchema = z.object({
  /** The best URL for phones on the same network (LAN address, not localhost). */
  viewerUrl: z.string(),
  /** Every address the node is reachable at, best first. */
  viewerUrls: z.array(z.string()),
});
export type Share = z.infer<typeof ShareSchema>;

/** Every error the node sends has this body, so pages can show `message` as is. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const API_PATHS = {
  status: '/api/status',
  studio: '/api/studio',
  library: '/api/library',
  set: '/api/set',
  share: '/api/share',
  /** Public: the busker's page (profile + upcoming sets), as the `page` event. */
  page: '/api/page',
  /** Admin PUT: name, bio, links. */
  profile: '/api/profile',
  /** Public GET; admin PUT (raw image body) and DELETE. */
  avatar: '/api/profile/avatar',
  /** Admin GET/PUT: the location draft and its consent (LocationInput). */
  location: '/api/location',
  /** Admin GET (list) and POST (one ScheduleInput); DELETE /api/schedule/:id. */
  schedule: '/api/schedule',
  /** Admin GET: settings + mutes. */
  moderation: '/api/chat/moderation',
  /** Admin PUT: ChatSettings. */
  chatSettings: '/api/chat/settings',
  /** Admin POST {messageId}: mutes that message's author; DELETE /api/chat/mutes/:key unmutes. */
  mutes: '/api/chat/mutes',
  shareQr: '/api/share/qr.svg',
  /** Admin POST: a new publish token (TokenRotation); the old one stops working at once. */
  tokenRotate: '/api/token/rotate',
  whip: '/whip',
  whep: '/whep',
  events: '/events',
} as const;

/** GET /api/page — public: the busker's page, the same as the `page` event. */
export const PageSchema = z.object({ profile: ProfileSchema, schedule: z.array(ScheduledSetSchema) });
export type Page = z.infer<typeof PageSchema>;

/** GET/PUT /api/location — admin: the draft as typed, and what viewers see of it (null: nothing). */
export const LocationStateSchema = z.object({ location: LocationInputSchema, shown: PublicLocationSchema.nullable() });
export type LocationState = z.infer<typeof LocationStateSchema>;

/** DELETE /api/chat/messages/:id and DELETE /api/schedule/:id and the markers of a set. */
export const chatMessagePath = (id: number) => `/api/chat/messages/${encodeURIComponent(id)}`;
export const schedulePath = (id: number) => `/api/schedule/${encodeURIComponent(id)}`;
export const mutePath = (key: string) => `/api/chat/mutes/${encodeURIComponent(key)}`;
/** GET — admin: a set's markers, by position (Marker[] as `{markers}`). */
export const setMarkersPath = (setId: number) => `/api/sets/${encodeURIComponent(setId)}/markers`;

/** POST /api/token/rotate — admin: the new publish token, and what to tell the busker. */
export const TokenRotationSchema = z.object({ token: z.string().min(16), message: z.string() });
export type TokenRotation = z.infer<typeof TokenRotationSchema>;
