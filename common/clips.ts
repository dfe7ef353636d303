import { z } from 'zod';
import { CLIP_LIMITS } from './limits.js';
import { MarkerSchema } from './markers.js';
import { ChatRoleSchema } from './chat.js';
import { cleanText, visibleLength } from './text.js';

export { CLIP_LIMITS };

export const ClipModeSchema = z.enum(['copy', 'vertical']);
export type ClipMode = z.infer<typeof ClipModeSchema>;

export const ClipTitleSchema = z
  .string()
  .transform(cleanText)
  .pipe(z.string().refine((t) => visibleLength(t) <= CLIP_LIMITS.title, `a title has at most ${CLIP_LIMITS.title} characters`));

/** A clip or short in the busker's gallery (studio, admin). */
export const ClipSchema = z.object({
  id: z.number().int(),
  /** The recording it was cut from (null once that recording was deleted; the clip stays). */
  recordingId: z.number().int().nullable(),
  title: z.string(),
  mode: ClipModeSchema,
  /** The range asked for on the recording's clock, ms. A fast copy starts at the keyframe at or before `inMs`. */
  inMs: z.number(),
  outMs: z.number(),
  durationMs: z.number().nullable(),
  sizeBytes: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  published: z.boolean(),
  createdAt: z.number(),
  /** A signed link the studio's <video> can play (like recordings' links). */
  mediaUrl: z.string(),
  comments: z.number().int(),
});
export type Clip = z.infer<typeof ClipSchema>;

/** POST /api/clips — a fast copy, cut in the node. */
export const CopyClipRequestSchema = z.strictObject({
  recordingId: z.number().int().positive(),
  inMs: z.number().int().nonnegative(),
  outMs: z.number().int().positive(),
  title: ClipTitleSchema.default(''),
});
export type CopyClipRequest = z.infer<typeof CopyClipRequestSchema>;

/** A fast-copy export in the node. Progress 0–1; `clip` once done; `error` (for people) when failed. */
export const ClipJobSchema = z.object({
  id: z.string(),
  recordingId: z.number().int(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  progress: z.number().min(0).max(1),
  error: z.string().optional(),
  clip: ClipSchema.optional(),
});
export type ClipJob = z.infer<typeof ClipJobSchema>;

/** PATCH /api/clips/:id. */
export const ClipUpdateSchema = z.strictObject({
  title: ClipTitleSchema.optional(),
  published: z.boolean().optional(),
});
export type ClipUpdate = z.infer<typeof ClipUpdateSchema>;

/** A comment on a published short. Plain text, like chat. */
export const CommentSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  role: ChatRoleSchema,
  text: z.string(),
  sentAt: z.number(),
});
export type Comment = z.infer<typeof CommentSchema>;

/** A published short as every viewer sees it (also while the busker is offline). */
export const ShortSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  durationMs: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  /** `/media/shorts/<id>`: public while published, gone when not. */
  mediaUrl: z.string(),
  publishedAt: z.number(),
  /** The latest comments, oldest first. */
  comments: z.array(CommentSchema),
});
export type Short = z.infer<typeof ShortSchema>;

/** GET /api/recordings/:id/timeline — admin: what the clip editor draws under the video. */
export const TimelineSchema = z.object({
  recordingId: z.number().int(),
  setId: z.number().int(),
  title: z.string(),
  durationMs: z.number(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  /** Signed, seekable link to the recording. */
  mediaUrl: z.string(),
  /** Where a fast copy can start: every video keyframe, ms. */
  keyframesMs: z.array(z.number()),
  /** "Clip that!" markers on this recording's clock. */
  markers: z.array(MarkerSchema),
  /** Chat messages per bucket of `bucketMs` from 0 (chat density). */
  chat: z.object({ bucketMs: z.number(), counts: z.array(z.number().int()) }),
});
export type Timeline = z.infer<typeof TimelineSchema>;

/** The range suggested around a marker: 20 s before it, 10 s after, kept inside the recording. */
export function suggestedRange(markerMs: number, durationMs: number): { inMs: number; outMs: number } {
  const length = Math.min(CLIP_LIMITS.suggestedMs, durationMs);
  const inMs = Math.max(0, Math.min(markerMs - CLIP_LIMITS.suggestedLeadMs, durationMs - length));
  return { inMs: Math.round(inMs), outMs: Math.round(inMs + length) };
}

export const clipPath = (id: number) => `/api/clips/${encodeURIComponent(id)}`;
export const clipJobPath = (id: string) => `/api/clips/jobs/${encodeURIComponent(id)}`;
export const timelinePath = (recordingId: number) => `/api/recordings/${encodeURIComponent(recordingId)}/timeline`;
export const shortCommentPath = (shortId: number, commentId: number) =>
  `/api/shorts/${encodeURIComponent(shortId)}/comments/${encodeURIComponent(commentId)}`;
/** POST, body = the encoded short (video/webm), range and title in the query. */
export function verticalUploadPath(request: { recordingId: number; inMs: number; outMs: number; title: string }): string {
  const query = new URLSearchParams({
    recordingId: String(request.recordingId),
    inMs: String(Math.round(request.inMs)),
    outMs: String(Math.round(request.outMs)),
    title: request.title,
  });
  return `/api/clips/vertical?${query}`;
}

/** Why a range cannot be cut (for people), or undefined when it can. Node and studio use the same rules. */
export function clipRangeProblem(inMs: number, outMs: number, durationMs: number, maxMs: number): string | undefined {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (!(inMs >= 0) || !(outMs > 0)) return 'The in and out points must be times in the recording.';
  if (inMs >= outMs) return 'The in-point must come before the out-point.';
  if (outMs > durationMs + 50) return `The out-point is past the end: the recording is only ${seconds(durationMs)} long.`;
  if (outMs - inMs < CLIP_LIMITS.minMs) return `A clip is at least ${seconds(CLIP_LIMITS.minMs)} long.`;
  if (outMs - inMs > maxMs) return `A clip is at most ${seconds(maxMs)} long here.`;
  return undefined;
}
