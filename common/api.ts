import { z } from 'zod';
import { SetInfoSchema } from './set-info.js';

/** GET /api/status — public: what any viewer may know. */
export const StatusSchema = z.object({
  live: z.boolean(),
  viewers: z.number().int().nonnegative(),
  /** The live set's info, or the info prepared for the next set while offline. */
  set: SetInfoSchema,
  /** When the current set started (ms since epoch), or null while offline. */
  startedAt: z.number().nullable(),
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
  shareQr: '/api/share/qr.svg',
  whip: '/whip',
  whep: '/whep',
  events: '/events',
} as const;
