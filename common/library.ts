import { z } from 'zod';

/** GET /api/library — admin: every set, newest first, with its recordings. */
export const LibraryRecordingSchema = z.object({
  id: z.number(),
  status: z.enum(['recording', 'finalised', 'repaired', 'failed']),
  failure: z.string().nullable(),
  startedAt: z.number(),
  durationMs: z.number().nullable(),
  sizeBytes: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  /** A signed link the studio's <video> can play and seek (valid for hours, revoked with the token). */
  mediaUrl: z.string(),
});
export type LibraryRecording = z.infer<typeof LibraryRecordingSchema>;

export const LibrarySetSchema = z.object({
  id: z.number(),
  title: z.string(),
  hashtags: z.array(z.string()),
  description: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  endReason: z.string().nullable(),
  /** This set is on air now (it cannot be deleted). */
  live: z.boolean(),
  durationMs: z.number(),
  sizeBytes: z.number(),
  recordings: z.array(LibraryRecordingSchema),
});
export type LibrarySet = z.infer<typeof LibrarySetSchema>;

export const LibrarySchema = z.object({
  sets: z.array(LibrarySetSchema),
  /** Bytes used by every recording on disk. */
  totalBytes: z.number(),
});
export type Library = z.infer<typeof LibrarySchema>;
