import { z } from 'zod';

/** Limits shared by the studio form and the node, so the form can say what the node would refuse. */
export const SET_INFO_LIMITS = {
  title: 120,
  description: 1000,
  hashtags: 10,
  hashtag: 40,
} as const;

/** A hashtag as typed by the busker: '#Jazz', 'jazz' → 'jazz'. Letters, digits and _ in any script. */
const hashtag = z
  .string()
  .transform((tag) => tag.trim().replace(/^#+/, ''))
  .pipe(
    z
      .string()
      .min(1, 'a hashtag cannot be empty')
      .max(SET_INFO_LIMITS.hashtag, `a hashtag has at most ${SET_INFO_LIMITS.hashtag} characters`)
      .regex(/^[\p{L}\p{N}_]+$/u, 'a hashtag has only letters, digits and _'),
  );

/** What the busker says about the set; shown on every viewer page. */
export const SetInfoSchema = z.strictObject({
  title: z.string().trim().max(SET_INFO_LIMITS.title).default(''),
  hashtags: z.array(hashtag).max(SET_INFO_LIMITS.hashtags).default([]),
  description: z.string().trim().max(SET_INFO_LIMITS.description).default(''),
});
export type SetInfo = z.infer<typeof SetInfoSchema>;

export const EMPTY_SET_INFO: SetInfo = { title: '', hashtags: [], description: '' };

/** Splits what a busker types in one box ("#jazz #live, street") into hashtags. */
export function parseHashtagInput(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((tag) => tag.replace(/^#+/, ''))
    .filter((tag) => tag.length > 0);
}
