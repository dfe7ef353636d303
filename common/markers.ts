import { z } from 'zod';

/** Taps closer than this to a marker's latest tap join it (and it counts them). */
export const MARKER_MERGE_MS = 8000;
/** …but one marker never spans more than this, so a long cheering crowd makes several. */
export const MARKER_MAX_SPAN_MS = 30_000;
/** One viewer's taps count at most once per this long. */
export const MARKER_COOLDOWN_MS = 10_000;

/** A "clip that!" moment, on the recording's clock. */
export const MarkerSchema = z.object({
  id: z.number().int(),
  setId: z.number().int(),
  recordingId: z.number().int().nullable(),
  /** Position in the recording (ms from its first frame); null when the set was not recorded. */
  offsetMs: z.number().nullable(),
  /** How many viewers tapped (taps within a few seconds are one marker). */
  count: z.number().int().positive(),
  kind: z.enum(['clip-that', 'busker']),
  createdAt: z.number(),
});
export type Marker = z.infer<typeof MarkerSchema>;
