import { z } from 'zod';
import { ClipSchema, ShortSchema, clipPath, shortCommentPath, type Clip, type ClipUpdate, type Short } from '../../common/clips.js';
import { bearer, jsonInit, requestJson, requestNoContent } from './node-request.js';

/**
 * The node's gallery API for the studio (docs/clips-api.md): the busker's clips and shorts, their
 * title and publishing, and the comments viewers leave on published shorts. Answers are checked
 * against the shared zod schemas; a refusal throws a NodeError whose message is the node's own.
 * (Cutting and exporting clips is the clip editor's, in clips-api.ts.)
 */

/** Admin GET: every clip, newest first. */
export const CLIPS_PATH = '/api/clips';
/** Public GET: the published shorts with their latest comments (the same as the `shorts` event). */
export const SHORTS_PATH = '/api/shorts';

const ClipListSchema = z.object({ clips: z.array(ClipSchema) });
const ShortListSchema = z.object({ shorts: z.array(ShortSchema) });

/** Every clip and short, newest first, with signed links a `<video>` can play. */
export async function listClips(token: string): Promise<Clip[]> {
  return (await requestJson(CLIPS_PATH, { method: 'GET', headers: bearer(token) }, ClipListSchema)).clips;
}

/** Renames and/or publishes (or hides) a clip; answers the clip as it is now. */
export function updateClip(token: string, id: number, update: ClipUpdate): Promise<Clip> {
  return requestJson(clipPath(id), jsonInit('PATCH', token, update), ClipSchema);
}

/** Deletes a clip, its file and its comments (204). */
export function deleteClip(token: string, id: number): Promise<void> {
  return requestNoContent(clipPath(id), { method: 'DELETE', headers: bearer(token) });
}

/** Removes a comment from a published short, for everyone (they get `comment-deleted`). */
export function deleteComment(token: string, shortId: number, commentId: number): Promise<void> {
  return requestNoContent(shortCommentPath(shortId, commentId), { method: 'DELETE', headers: bearer(token) });
}

/** The published shorts as viewers see them (public), newest first, each with its latest comments. */
export async function listShorts(): Promise<Short[]> {
  return (await requestJson(SHORTS_PATH, { method: 'GET' }, ShortListSchema)).shorts;
}
