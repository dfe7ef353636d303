import type { ScheduledSet } from '../../common/schedule.js';
import type { ReadableDB, WritableDB } from './database.js';

export interface ScheduleRow extends ScheduledSet {
  announcedAt: number | null;
}

interface RawScheduled {
  id: number;
  starts_at: number;
  title: string;
  place: string;
  announced_at: number | null;
}

const toRow = (raw: RawScheduled): ScheduleRow => ({
  id: raw.id,
  startsAt: raw.starts_at,
  title: raw.title,
  place: raw.place,
  announcedAt: raw.announced_at,
});

export function insertScheduledSet(db: WritableDB, set: Omit<ScheduledSet, 'id'>, createdAt: number): ScheduleRow {
  const result = db
    .prepare('INSERT INTO scheduled_sets (starts_at, title, place, created_at) VALUES (?, ?, ?, ?)')
    .run(set.startsAt, set.title, set.place, createdAt);
  return { id: Number(result.lastInsertRowid), ...set, announcedAt: null };
}

export function deleteScheduledSet(db: WritableDB, id: number): boolean {
  return db.prepare('DELETE FROM scheduled_sets WHERE id = ?').run(id).changes > 0;
}

/** Sets not started yet whose start is after `since`, soonest first. */
export function upcomingScheduledSets(db: ReadableDB, since: number): ScheduleRow[] {
  const rows = db
    .prepare(
      `SELECT id, starts_at, title, place, announced_at FROM scheduled_sets
        WHERE started_set_id IS NULL AND starts_at > ? ORDER BY starts_at, id`,
    )
    .all(since) as RawScheduled[];
  return rows.map(toRow);
}

export function markAnnounced(db: WritableDB, id: number, at: number): void {
  db.prepare('UPDATE scheduled_sets SET announced_at = ? WHERE id = ?').run(at, id);
}

export function markStarted(db: WritableDB, id: number, setId: number): void {
  db.prepare('UPDATE scheduled_sets SET started_set_id = ? WHERE id = ?').run(setId, id);
}
