import { describe, expect, it } from 'vitest';
import { openLibraryDatabase } from '../../../server/library/database.js';
import {
  completeRecording,
  createRecording,
  failRecording,
  getRecording,
  interruptedRecordings,
  totalRecordingBytes,
} from '../../../server/library/recordings.js';
import { deleteSet, endOpenSets, endSet, getSet, listSets, startSet, updateSetInfo } from '../../../server/library/sets.js';

const info = { title: 'Fountain', hashtags: ['jazz'], description: 'evening' };

describe('sets and recordings', () => {
  it('lists sets newest first with their recordings totals', () => {
    const db = openLibraryDatabase(':memory:');
    const older = startSet(db, info, 1000);
    const newer = startSet(db, { ...info, title: 'Bridge' }, 2000);
    const a = createRecording(db, { setId: older, file: 'rec/a.webm', startedAt: 1000, videoCodec: 'VP8', audioCodec: 'opus' });
    completeRecording(db, a, { status: 'finalised', endedAt: 61_000, durationMs: 60_000, sizeBytes: 5_000_000, width: 1280, height: 720 });
    const b = createRecording(db, { setId: older, file: 'rec/b.webm', startedAt: 62_000, videoCodec: 'VP8', audioCodec: 'opus' });
    completeRecording(db, b, { status: 'repaired', endedAt: 72_000, durationMs: 9_000, sizeBytes: 800_000 });
    endSet(db, older, 72_000, 'ended by the publisher');

    const sets = listSets(db);
    expect(sets.map((s) => s.id)).toEqual([newer, older]);
    expect(sets[1]).toMatchObject({ title: 'Fountain', hashtags: ['jazz'], recordings: 2, durationMs: 69_000, sizeBytes: 5_800_000 });
    expect(sets[0]).toMatchObject({ recordings: 0, durationMs: 0, endedAt: null });
    expect(totalRecordingBytes(db)).toBe(5_800_000);
    expect(getRecording(db, a)).toMatchObject({ status: 'finalised', width: 1280, file: 'rec/a.webm' });
  });

  it('finds what a crash interrupted and closes open sets at their last recording', () => {
    const db = openLibraryDatabase(':memory:');
    const set = startSet(db, info, 1000);
    const rec = createRecording(db, { setId: set, file: 'rec/c.webm', startedAt: 1500, videoCodec: 'VP8', audioCodec: null });
    expect(interruptedRecordings(db).map((r) => r.id)).toEqual([rec]);
    expect(endOpenSets(db, 'interrupted')).toBe(1);
    expect(getSet(db, set)).toMatchObject({ endedAt: 1500, endReason: 'interrupted' });
    failRecording(db, rec, 'disk full', 3000, 1234);
    expect(interruptedRecordings(db)).toEqual([]);
    expect(getRecording(db, rec)).toMatchObject({ status: 'failed', failure: 'disk full', sizeBytes: 1234 });
  });

  it('updates info; deleting a set returns its files and removes its rows', () => {
    const db = openLibraryDatabase(':memory:');
    const set = startSet(db, info, 1000);
    updateSetInfo(db, set, { title: 'New', hashtags: [], description: '' });
    expect(getSet(db, set)?.title).toBe('New');
    createRecording(db, { setId: set, file: 'rec/d.webm', startedAt: 1, videoCodec: 'VP8', audioCodec: 'opus' });
    expect(deleteSet(db, set)).toEqual(['rec/d.webm']);
    expect(getSet(db, set)).toBeUndefined();
    expect(deleteSet(db, set)).toBeUndefined();
    // A deleted set's id is never reused: old links cannot reach a newer set's files.
    const next = startSet(db, info, 2000);
    expect(next).toBeGreaterThan(set);
  });
});
