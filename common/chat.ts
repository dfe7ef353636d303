import { z } from 'zod';
import { CHAT_LIMITS } from './limits.js';
import { cleanText, hasVisibleText, visibleLength } from './text.js';

export { CHAT_LIMITS };

export const ChatRoleSchema = z.enum(['viewer', 'busker']);
export type ChatRole = z.infer<typeof ChatRoleSchema>;

/** One message as every page sees it. Text is plain text: pages must render it with textContent. */
export const ChatMessageSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  role: ChatRoleSchema,
  text: z.string(),
  /** Wall time, ms since the epoch. */
  sentAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** A chat message's text: cleaned, not empty, not too long. */
export const ChatTextSchema = z
  .string()
  .transform(cleanText)
  .pipe(
    z
      .string()
      .refine(hasVisibleText, 'a message cannot be empty')
      .refine((text) => visibleLength(text) <= CHAT_LIMITS.text, `a message has at most ${CHAT_LIMITS.text} characters`),
  );

/** A chosen name: cleaned; empty means "anonymous guest". */
export const ChatNameSchema = z
  .string()
  .transform(cleanText)
  // Only invisible characters (zero-width spaces…): no name, so a guest name, never a blank one.
  .transform((name) => (hasVisibleText(name) ? name : ''))
  .pipe(z.string().refine((name) => visibleLength(name) <= CHAT_LIMITS.name, `a name has at most ${CHAT_LIMITS.name} characters`));

/** The stable id a page keeps for its tab (sessionStorage): what mute and slow mode key on. */
export const ClientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a client id is 16–64 letters, digits, _ or -');

/** The busker's chat rules (studio: PUT /api/chat/settings). */
export const ChatSettingsSchema = z.strictObject({
  /** Seconds a viewer waits between messages; 0 = off. */
  slowModeSeconds: z.number().int().min(0).max(CHAT_LIMITS.slowModeMaxSeconds),
  /** Words or phrases refused in viewers' messages (whole words, any case, accents ignored). */
  blockedWords: z
    .array(z.string().transform(cleanText).pipe(z.string().min(1).max(CHAT_LIMITS.blockedWord)))
    .max(CHAT_LIMITS.blockedWords),
});
export type ChatSettings = z.infer<typeof ChatSettingsSchema>;

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { slowModeSeconds: 0, blockedWords: [] };

/** A muted viewer, as the studio lists them. `key` is opaque (a hash, never the viewer's id). */
export const MuteSchema = z.object({ key: z.string(), name: z.string(), mutedAt: z.number() });
export type Mute = z.infer<typeof MuteSchema>;

/** GET /api/chat/moderation — admin. */
export const ModerationSchema = z.object({ settings: ChatSettingsSchema, mutes: z.array(MuteSchema) });
export type Moderation = z.infer<typeof ModerationSchema>;
