import { stat } from 'node:fs/promises';
import { ConflictError, CurbcastError, NotFoundError } from '../errors.js';
import type { ReadableDB } from '../library/database.js';
import { getRecording, type RecordingRow } from '../library/recordings.js';
import { resolveInside } from '../http/static-files.js';
import { inspectRecording, type RecordingFacts } from './media-inspect.js';

/** The recording could not be read as media (a corrupt or truncated file). */
export class UnreadableMediaError extends CurbcastError {
  constructor(message: string) {
    super(422, 'unreadable_recording', message);
  }
}

export interface ClipSource {
  recording: RecordingRow;
  /** Absolute path of the recording's file. */
  path: string;
  facts: RecordingFacts;
}

/**
 * Finds a recording a clip can be cut from, or says (for people) why not: unknown (404), still
 * being recorded or lost (409), file gone from the data folder (409), unreadable (422).
 */
export async function openClipSource(db: ReadableDB, dataDir: string, recordingId: number): Promise<ClipSource> {
  const recording = getRecording(db, recordingId);
  if (!recording) throw new NotFoundError('No such recording.');
  if (recording.status === 'recording') throw new ConflictError('This recording is still going on; end the set first.', 'still_recording');
  const path = resolveInside(dataDir, recording.file);
  const info = path ? await stat(path).catch(() => undefined) : undefined;
  if (!path || !info?.isFile()) {
    throw new ConflictError('The recording’s file is missing from the data folder.', 'recording_missing');
  }
  try {
    return { recording, path, facts: await inspectRecording(path) };
  } catch (error) {
    throw new UnreadableMediaError(`The recording could not be read (${(error as Error).message}).`);
  }
}
