import type { ChatMessage, ChatRole, Mute } from '../../common/chat.js';
import type { ReadableDB, WritableDB } from './database.js';

export interface NewChatMessage {
  setId: number;
  recordingId: number | null;
  authorKey: string;
  name: string;
  role: ChatRole;
  text: string;
  createdAt: number;
  recordingOffsetMs: number | null;
}

interface RawMessage {
  id: number;
  author_name: string;
  author_role: ChatRole;
  text: string;
  created_at: number;
}

const toMessage = (raw: RawMessage): ChatMessage => ({
  id: raw.id,
  name: raw.author_name,
  role: raw.author_role,
  text: raw.text,
  sentAt: raw.created_at,
});

export function insertChatMessage(db: WritableDB, message: NewChatMessage): ChatMessage {
  const result = db
    .prepare(
      `INSERT INTO chat_messages (set_id, recording_id, author_key, author_name, author_role, text, created_at, recording_offset_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      message.setId,
      message.recordingId,
      message.authorKey,
      message.name,
      message.role,
      message.text,
      message.createdAt,
      message.recordingOffsetMs,
    );
  return { id: Number(result.lastInsertRowid), name: message.name, role: message.role, text: message.text, sentAt: message.createdAt };
}

/** A set's latest messages that were not deleted, oldest first. */
export function recentChatMessages(db: ReadableDB, setId: number, limit: number): ChatMessage[] {
  const rows = db
    .prepare(
      `SELECT id, author_name, author_role, text, created_at FROM chat_messages
        WHERE set_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`,
    )
    .all(setId, limit) as RawMessage[];
  return rows.reverse().map(toMessage);
}

/** Marks a message deleted (the row stays, for the busker's own record); false if unknown or already gone. */
export function markChatMessageDeleted(db: WritableDB, id: number, at: number): boolean {
  return db.prepare('UPDATE chat_messages SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(at, id).changes > 0;
}

export function chatMessageAuthor(db: ReadableDB, id: number): { key: string | null; name: string; role: ChatRole } | undefined {
  const row = db.prepare('SELECT author_key, author_name, author_role FROM chat_messages WHERE id = ?').get(id) as
    | { author_key: string | null; author_name: string; author_role: ChatRole }
    | undefined;
  return row && { key: row.author_key, name: row.author_name, role: row.author_role };
}

export function insertMute(db: WritableDB, mute: Mute): void {
  db.prepare(
    `INSERT INTO chat_mutes (author_key, name, muted_at) VALUES (?, ?, ?)
     ON CONFLICT(author_key) DO UPDATE SET name = excluded.name, muted_at = excluded.muted_at`,
  ).run(mute.key, mute.name, mute.mutedAt);
}

export function deleteMute(db: WritableDB, key: string): boolean {
  return db.prepare('DELETE FROM chat_mutes WHERE author_key = ?').run(key).changes > 0;
}

export function listMutes(db: ReadableDB): Mute[] {
  const rows = db.prepare('SELECT author_key, name, muted_at FROM chat_mutes ORDER BY muted_at DESC').all() as Array<{
    author_key: string;
    name: string;
    muted_at: number;
  }>;
  return rows.map((r) => ({ key: r.author_key, name: r.name, mutedAt: r.muted_at }));
}

/** Chat messages (deleted ones too: they were said) per `bucketMs` of a recording's clock. */
export function chatDensity(db: ReadableDB, recordingId: number, bucketMs: number, buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  const rows = db
    .prepare(
      `SELECT recording_offset_ms / ? AS bucket, COUNT(*) AS n FROM chat_messages
        WHERE recording_id = ? AND recording_offset_ms IS NOT NULL GROUP BY bucket`,
    )
    .all(bucketMs, recordingId) as Array<{ bucket: number; n: number }>;
  for (const { bucket, n } of rows) if (bucket >= 0 && bucket < buckets) counts[bucket] = n;
  return counts;
}
