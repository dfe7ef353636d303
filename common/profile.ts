import { z } from 'zod';
import { cleanText, visibleLength } from './text.js';

export const PROFILE_LIMITS = {
  name: 60,
  bio: 280,
  links: 6,
  linkLabel: 40,
  linkUrl: 500,
  /** Avatar upload, bytes. */
  avatarBytes: 1024 * 1024,
} as const;

/** Avatar types the node accepts (checked by their first bytes too). SVG never: it can carry script. */
export const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type AvatarType = (typeof AVATAR_TYPES)[number];

const limitedText = (max: number) =>
  z
    .string()
    .transform(cleanText)
    .pipe(z.string().refine((text) => visibleLength(text) <= max, `at most ${max} characters`));

/** Only http(s) links: a `javascript:` or `data:` link on the busker's page would run in viewers' browsers. */
const webUrl = z
  .string()
  .trim()
  .max(PROFILE_LIMITS.linkUrl)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'a link must be a full http:// or https:// address');

export const ProfileLinkSchema = z.strictObject({
  label: limitedText(PROFILE_LIMITS.linkLabel).pipe(z.string().min(1, 'a link needs a label')),
  url: webUrl,
});
export type ProfileLink = z.infer<typeof ProfileLinkSchema>;

/** PUT /api/profile — what the busker edits in the studio (the avatar has its own endpoint). */
export const ProfileInputSchema = z.strictObject({
  name: limitedText(PROFILE_LIMITS.name),
  bio: limitedText(PROFILE_LIMITS.bio),
  links: z.array(ProfileLinkSchema).max(PROFILE_LIMITS.links),
});
export type ProfileInput = z.infer<typeof ProfileInputSchema>;

/** The profile as every viewer sees it. */
export const ProfileSchema = ProfileInputSchema.extend({
  /** `/api/profile/avatar?v=N`, or null when the busker has none. */
  avatarUrl: z.string().nullable(),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const EMPTY_PROFILE: Profile = { name: '', bio: '', links: [], avatarUrl: null };
