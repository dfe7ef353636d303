import type { Marker } from '../../common/markers.js';
import type { ReadableDB, WritableDB } from './database.js';

interface RawMarker {
  id: number;
  set_id: number;
  recording_id: number | null;
  recording_offset_ms: number | null;
  count: number;
  kind: Marker['kind'];
  created_at: number;
}

const toMarker = (raw: RawMarker): Marker => ({
  id: raw.id,
  setId: raw.set_id,
  recordingId: raw.recording_id,
  offsetMs: raw.recording_offset_ms,
  count: raw.count,
  kind: raw.kind,
  createdAt: raw.created_at,
});

export function insertMarker(
  db: WritableDB,
  marker: { setId: number; recordingId: number | null; offsetMs: number | null; kind: Marker['kind']; createdAt: number },
): Marker {
  const result = db
    .prepare(
      `INSERT INTO markers (set_id, recording_id, kind, created_at, recording_offset_ms, count, last_tap_at)
       VALUES (?, ?, ?, ?, ?, 1, ?)`,
    )
    .run(marker.setId, marker.recordingId, marker.kind, marker.createdAt, marker.offsetMs, marker.createdAt);
  return { id: Number(result.lastInsertRowid), ...marker, count: 1 };
}

export function countMarkerTap(db: WritableDB, id: number, at: number): void {
  db.prepare('UPDATE markers SET count = count + 1, last_tap_at = ? WHERE id = ?').run(at, id);
}

export function getMarker(db: ReadableDB, id: number): Marker | undefined {
  const raw = db.prepare('SELECT * FROM markers WHERE id = ?').get(id) as RawMarker | undefined;
  return raw && toMarker(raw);
}

/** A set's markers in the order they happened. */
export function setMarkers(db: ReadableDB, setId: number): Marker[] {
  const rows = db.prepare('SELECT * FROM markers WHERE set_id = ? ORDER BY created_at, id').all(setId) as RawMarker[];
  return rows.map(toMarker);
}

/** A recording's markers, by position. */
export function recordingMarkers(db: ReadableDB, recordingId: number): Marker[] {
  const rows = db
    .prepare('SELECT * FROM markers WHERE recording_id = ? ORDER BY recording_offset_ms, id')
    .all(recordingId) as RawMarker[];
  return rows.map(toMarker);
}
