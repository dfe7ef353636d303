import { z } from 'zod';
import { cleanText, visibleLength } from './text.js';

/** Connected viewers are told this long before a scheduled set starts. */
export const STARTING_SOON_MS = 5 * 60_000;
/** A scheduled set stays on the page this long past its start time (buskers run late). */
export const SCHEDULE_GRACE_MS = 30 * 60_000;
/** How far ahead a set can be scheduled. */
export const SCHEDULE_HORIZON_MS = 366 * 24 * 3600_000;
/** Upcoming sets kept at once. */
export const SCHEDULE_MAX = 50;

const limited = (max: number) =>
  z
    .string()
    .transform(cleanText)
    .pipe(z.string().refine((text) => visibleLength(text) <= max, `at most ${max} characters`));

/** POST /api/schedule — a set the busker plans. `startsAt` is ms since the epoch. */
export const ScheduleInputSchema = z.strictObject({
  startsAt: z.number().int().positive(),
  title: limited(120).default(''),
  place: limited(120).default(''),
});
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

export const ScheduledSetSchema = z.object({
  id: z.number().int(),
  startsAt: z.number(),
  title: z.string(),
  place: z.string(),
});
export type ScheduledSet = z.infer<typeof ScheduledSetSchema>;
