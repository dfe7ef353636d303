import type { ChatRole } from '../../common/chat.js';
import type { ClipMode, Comment } from '../../common/clips.js';
import type { ReadableDB, WritableDB } from './database.js';

export interface ClipRow {
  id: number;
  recordingId: number | null;
  /** Relative to the data folder. */
  file: string;
  title: string;
  mode: ClipMode;
  inMs: number;
  outMs: number;
  startMs: number | null;
  durationMs: number | null;
  sizeBytes: number | null;
  width: number | null;
  height: number | null;
  published: boolean;
  publishedAt: number | null;
  createdAt: number;
  comments: number;
}

interface RawClip {
  id: number;
  recording_id: number | null;
  file: string;
  title: string;
  mode: ClipMode;
  in_ms: number;
  out_ms: number;
  start_ms: number | null;
  duration_ms: number | null;
  size_bytes: number | null;
  width: number | null;
  height: number | null;
  published: number;
  published_at: number | null;
  created_at: number;
  comments: number;
}

const toClip = (raw: RawClip): ClipRow => ({
  id: raw.id,
  recordingId: raw.recording_id,
  file: raw.file,
  title: raw.title,
  mode: raw.mode,
  inMs: raw.in_ms,
  outMs: raw.out_ms,
  startMs: raw.start_ms,
  durationMs: raw.duration_ms,
  sizeBytes: raw.size_bytes,
  width: raw.width,
  height: raw.height,
  published: raw.published === 1,
  publishedAt: raw.published_at,
  createdAt: raw.created_at,
  comments: raw.comments,
});

const SELECT_CLIPS = `SELECT c.*, (SELECT COUNT(*) FROM comments m WHERE m.clip_id = c.id AND m.deleted_at IS NULL) AS comments FROM clips c`;

export interface NewClip {
  recordingId: number;
  file: string;
  title: string;
  mode: ClipMode;
  inMs: number;
  outMs: number;
  startMs: number;
  durationMs: number;
  sizeBytes: number;
  width: number | null;
  height: number | null;
  createdAt: number;
}

export function insertClip(db: WritableDB, clip: NewClip): ClipRow {
  const result = db
    .prepare(
      `INSERT INTO clips (recording_id, file, title, mode, in_ms, out_ms, start_ms, duration_ms, size_bytes, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      clip.recordingId,
      clip.file,
      clip.title,
      clip.mode,
      clip.inMs,
      clip.outMs,
      clip.startMs,
      clip.durationMs,
      clip.sizeBytes,
      clip.width,
      clip.height,
      clip.createdAt,
    );
  return getClip(db, Number(result.lastInsertRowid))!;
}

export function getClip(db: ReadableDB, id: number): ClipRow | undefined {
  const raw = db.prepare(`${SELECT_CLIPS} WHERE c.id = ?`).get(id) as RawClip | undefined;
  return raw && toClip(raw);
}

export function listClips(db: ReadableDB): ClipRow[] {
  return (db.prepare(`${SELECT_CLIPS} ORDER BY c.created_at DESC, c.id DESC`).all() as RawClip[]).map(toClip);
}

export function listPublishedClips(db: ReadableDB): ClipRow[] {
  return (db.prepare(`${SELECT_CLIPS} WHERE c.published = 1 ORDER BY c.published_at DESC, c.id DESC`).all() as RawClip[]).map(toClip);
}

export function clipFileTaken(db: ReadableDB, file: string): boolean {
  return db.prepare('SELECT 1 FROM clips WHERE file = ?').get(file) !== undefined;
}

export function updateClip(db: WritableDB, id: number, update: { title?: string; published?: boolean }, now: number): void {
  if (update.title !== undefined) db.prepare('UPDATE clips SET title = ? WHERE id = ?').run(update.title, id);
  if (update.published !== undefined) {
    // Publishing again moves a short to the front of the page; unpublishing keeps its date for next time.
    if (update.published) db.prepare('UPDATE clips SET published = 1, published_at = ? WHERE id = ?').run(now, id);
    else db.prepare('UPDATE clips SET published = 0 WHERE id = ?').run(id);
  }
}

/** Deletes a clip's row (and its comments); returns its file for the caller to remove. */
export function deleteClip(db: WritableDB, id: number): string | undefined {
  const clip = getClip(db, id);
  if (!clip) return undefined;
  db.prepare('DELETE FROM clips WHERE id = ?').run(id);
  return clip.file;
}

// ---- comments --------------------------------------------------------------------------------

interface RawComment {
  id: number;
  author_name: string;
  author_role: ChatRole;
  text: string;
  created_at: number;
}

const toComment = (raw: RawComment): Comment => ({
  id: raw.id,
  name: raw.author_name,
  role: raw.author_role,
  text: raw.text,
  sentAt: raw.created_at,
});

export function insertComment(
  db: WritableDB,
  comment: { clipId: number; authorKey: string; name: string; role: ChatRole; text: string; createdAt: number },
): Comment {
  const result = db
    .prepare('INSERT INTO comments (clip_id, author_key, author_name, author_role, text, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(comment.clipId, comment.authorKey, comment.name, comment.role, comment.text, comment.createdAt);
  return { id: Number(result.lastInsertRowid), name: comment.name, role: comment.role, text: comment.text, sentAt: comment.createdAt };
}

/** A short's latest comments that were not deleted, oldest first. */
export function recentComments(db: ReadableDB, clipId: number, limit: number): Comment[] {
  const rows = db
    .prepare(
      `SELECT id, author_name, author_role, text, created_at FROM comments
        WHERE clip_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`,
    )
    .all(clipId, limit) as RawComment[];
  return rows.reverse().map(toComment);
}

export function markCommentDeleted(db: WritableDB, clipId: number, id: number, at: number): boolean {
  return db.prepare('UPDATE comments SET deleted_at = ? WHERE id = ? AND clip_id = ? AND deleted_at IS NULL').run(at, id, clipId).changes > 0;
}
