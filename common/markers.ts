import { z } from 'zod';

export { MARKER_COOLDOWN_MS, MARKER_MAX_SPAN_MS, MARKER_MERGE_MS } from './limits.js';

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
