import type { PublicLocation } from '../../common/location.js';
import type { SetInfo } from '../../common/set-info.js';
import type { ReadableDB, WritableDB } from './database.js';

export interface SetRow {
  id: number;
  title: string;
  hashtags: string[];
  description: string;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

/** A set as the library lists it: with its recordings' totals. */
export interface SetSummary extends SetRow {
  recordings: number;
  durationMs: number;
  sizeBytes: number;
}

interface RawSet {
  id: number;
  title: string;
  hashtags: string;
  description: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

function toSet(raw: RawSet): SetRow {
  return {
    id: raw.id,
    title: raw.title,
    hashtags: parseHashtags(raw.hashtags),
    description: raw.description,
    startedAt: raw.started_at,
    endedAt: raw.ended_at,
    endReason: raw.end_reason,
  };
}

function parseHashtags(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function startSet(db: WritableDB, info: SetInfo, startedAt: number): number {
  const result = db
    .prepare('INSERT INTO sets (title, hashtags, description, started_at) VALUES (?, ?, ?, ?)')
    .run(info.title, JSON.stringify(info.hashtags), info.description, startedAt);
  return Number(result.lastInsertRowid);
}

export function updateSetInfo(db: WritableDB, id: number, info: SetInfo): void {
  db.prepare('UPDATE sets SET title = ?, hashtags = ?, description = ? WHERE id = ?').run(
    info.title,
    JSON.stringify(info.hashtags),
    info.description,
    id,
  );
}

/** The location viewers were shown during the set (null: none was shared). */
export function updateSetLocation(db: WritableDB, id: number, location: PublicLocation | null): void {
  db.prepare('UPDATE sets SET location = ? WHERE id = ?').run(location ? JSON.stringify(location) : null, id);
}

export function endSet(db: WritableDB, id: number, endedAt: number, reason: string): void {
  db.prepare('UPDATE sets SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(endedAt, reason, id);
}

export function getSet(db: ReadableDB, id: number): SetRow | undefined {
  const raw = db.prepare('SELECT * FROM sets WHERE id = ?').get(id) as RawSet | undefined;
  return raw && toSet(raw);
}

/** Sets newest first, with their recordings' total duration and size. */
export function listSets(db: ReadableDB): SetSummary[] {
  const rows = db
    .prepare(
      `SELECT s.*, COUNT(r.id) AS recordings,
              COALESCE(SUM(r.duration_ms), 0) AS duration_ms, COALESCE(SUM(r.size_bytes), 0) AS size_bytes
         FROM sets s LEFT JOIN recordings r ON r.set_id = s.id
        GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC`,
    )
    .all() as Array<RawSet & { recordings: number; duration_ms: number; size_bytes: number }>;
  return rows.map((raw) => ({
    ...toSet(raw),
    recordings: raw.recordings,
    durationMs: raw.duration_ms,
    sizeBytes: raw.size_bytes,
  }));
}

/** Sets a crash left open: ended at their last recording's end (or start), marked as such. */
export function endOpenSets(db: WritableDB, reason: string): number {
  const result = db
    .prepare(
      `UPDATE sets SET end_reason = ?, ended_at = COALESCE(
          (SELECT MAX(COALESCE(r.ended_at, r.started_at)) FROM recordings r WHERE r.set_id = sets.id), started_at)
        WHERE ended_at IS NULL`,
    )
    .run(reason);
  return result.changes;
}

/** Deletes a set and (by cascade) its rows; returns the recording files the caller must remove. */
export function deleteSet(db: WritableDB, id: number): string[] | undefined {
  return db.transaction(() => {
    if (!getSet(db, id)) return undefined;
    const files = (db.prepare('SELECT file FROM recordings WHERE set_id = ?').all(id) as Array<{ file: string }>).map((r) => r.file);
    db.prepare('DELETE FROM sets WHERE id = ?').run(id);
    return files;
  })();
}
