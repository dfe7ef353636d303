import type { ReadableDB, WritableDB } from './database.js';

export type RecordingStatus = 'recording' | 'finalised' | 'repaired' | 'failed';

export interface RecordingRow {
  id: number;
  setId: number;
  /** Relative to the data folder. */
  file: string;
  status: RecordingStatus;
  failure: string | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  sizeBytes: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
}

interface RawRecording {
  id: number;
  set_id: number;
  file: string;
  status: RecordingStatus;
  failure: string | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  size_bytes: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  width: number | null;
  height: number | null;
}

function toRecording(raw: RawRecording): RecordingRow {
  return {
    id: raw.id,
    setId: raw.set_id,
    file: raw.file,
    status: raw.status,
    failure: raw.failure,
    startedAt: raw.started_at,
    endedAt: raw.ended_at,
    durationMs: raw.duration_ms,
    sizeBytes: raw.size_bytes,
    videoCodec: raw.video_codec,
    audioCodec: raw.audio_codec,
    width: raw.width,
    height: raw.height,
  };
}

/** Written before the file grows, so a crash always leaves a row that points at it. */
export function createRecording(
  db: WritableDB,
  recording: { setId: number; file: string; startedAt: number; videoCodec: string; audioCodec: string | null },
): number {
  const result = db
    .prepare(
      `INSERT INTO recordings (set_id, file, status, started_at, video_codec, audio_codec)
       VALUES (?, ?, 'recording', ?, ?, ?)`,
    )
    .run(recording.setId, recording.file, recording.startedAt, recording.videoCodec, recording.audioCodec);
  return Number(result.lastInsertRowid);
}

export function completeRecording(
  db: WritableDB,
  id: number,
  result: { status: 'finalised' | 'repaired'; endedAt: number; durationMs: number; sizeBytes: number; width?: number; height?: number },
): void {
  db.prepare(
    `UPDATE recordings SET status = ?, ended_at = ?, duration_ms = ?, size_bytes = ?, width = ?, height = ?, failure = NULL
      WHERE id = ?`,
  ).run(result.status, result.endedAt, result.durationMs, result.sizeBytes, result.width ?? null, result.height ?? null, id);
}

export function failRecording(db: WritableDB, id: number, failure: string, endedAt: number, sizeBytes: number | null): void {
  db.prepare(`UPDATE recordings SET status = 'failed', failure = ?, ended_at = ?, size_bytes = ? WHERE id = ?`).run(
    failure,
    endedAt,
    sizeBytes,
    id,
  );
}

export function getRecording(db: ReadableDB, id: number): RecordingRow | undefined {
  const raw = db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as RawRecording | undefined;
  return raw && toRecording(raw);
}

export function recordingsOfSet(db: ReadableDB, setId: number): RecordingRow[] {
  return (db.prepare('SELECT * FROM recordings WHERE set_id = ? ORDER BY started_at').all(setId) as RawRecording[]).map(toRecording);
}

/** Recordings a crash interrupted: still 'recording' when the node starts. */
export function interruptedRecordings(db: ReadableDB): RecordingRow[] {
  return (db.prepare(`SELECT * FROM recordings WHERE status = 'recording' ORDER BY id`).all() as RawRecording[]).map(toRecording);
}

export function totalRecordingBytes(db: ReadableDB): number {
  const row = db.prepare('SELECT COALESCE(SUM(size_bytes), 0) AS total FROM recordings').get() as { total: number };
  return row.total;
}

export function recordingFileTaken(db: ReadableDB, file: string): boolean {
  return db.prepare('SELECT 1 FROM recordings WHERE file = ?').get(file) !== undefined;
}
