import { z } from 'zod';
import { cleanText, visibleLength } from './text.js';

export { SCHEDULE_GRACE_MS, SCHEDULE_HORIZON_MS, SCHEDULE_MAX, STARTING_SOON_MS } from './limits.js';

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
