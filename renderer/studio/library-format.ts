import type { LibraryRecording, LibrarySet } from '../../common/library.js';
import { CLIP_LIMITS } from '../../common/limits.js';

/** How the Library words sizes, dates and durations. Pure functions, so they are easy to test. */

/** Decimal units, as the busker's file manager shows them on macOS: "840 KB" is "0.8 MB". */
export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(bytes >= 1e11 ? 0 : 1)} GB`;
  const mb = bytes / 1e6;
  if (bytes > 0 && mb < 0.1) return '< 0.1 MB';
  return `${mb.toFixed(mb >= 100 || bytes === 0 ? 0 : 1)} MB`;
}

/** "12 sets · 3.4 GB". */
export function formatTotal(sets: number, bytes: number): string {
  return `${sets} ${sets === 1 ? 'set' : 'sets'} · ${formatSize(bytes)}`;
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const DAY = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/** Local date and time: "Today, 14:32", "Yesterday, 21:05", "Sat, 15 Nov 2025, 14:32". */
export function formatWhen(ms: number, now = Date.now()): string {
  const when = new Date(ms);
  const days = Math.round((startOfDay(new Date(now)) - startOfDay(when)) / 86_400_000);
  const day = days === 0 ? 'Today' : days === 1 ? 'Yesterday' : DAY.format(when);
  return `${day}, ${TIME.format(when)}`;
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** What was recorded; for a set still on air or not finalised yet, its time on air. */
export function setDurationMs(set: LibrarySet, now = Date.now()): number {
  if (set.live) return now - set.startedAt;
  if (set.durationMs > 0) return set.durationMs;
  return (set.endedAt ?? now) - set.startedAt;
}

/** Finalised and repaired recordings play and seek; a failed one plays what was written before it stopped. */
export function isPlayable(recording: LibraryRecording): boolean {
  if (recording.status === 'failed') return (recording.sizeBytes ?? 0) > 0;
  return recording.status !== 'recording' && recording.durationMs !== 0;
}

/** A short can be cut from a recording that was closed properly (or repaired) and is long enough. */
export function isCuttable(recording: LibraryRecording): boolean {
  if (recording.status !== 'finalised' && recording.status !== 'repaired') return false;
  return recording.durationMs === null || recording.durationMs >= CLIP_LIMITS.minMs;
}

/** Why a set needs a second look, in the busker's words (a set with no problem has none). */
export function setBadges(set: LibrarySet): Array<{ kind: 'live' | 'busy' | 'repaired' | 'failed'; text: string }> {
  const badges: Array<{ kind: 'live' | 'busy' | 'repaired' | 'failed'; text: string }> = [];
  if (set.live) badges.push({ kind: 'live', text: 'live now' });
  else if (set.recordings.some((r) => r.status === 'recording')) badges.push({ kind: 'busy', text: 'saving the recording…' });
  else if (set.recordings.every((r) => r.status !== 'failed' && r.durationMs === 0)) badges.push({ kind: 'failed', text: 'nothing was recorded' });
  if (set.recordings.some((r) => r.status === 'repaired')) badges.push({ kind: 'repaired', text: 'recovered after a crash' });
  const failures = new Set(set.recordings.filter((r) => r.status === 'failed').map((r) => r.failure ?? 'unknown reason'));
  for (const failure of failures) badges.push({ kind: 'failed', text: `recording failed: ${failure}` });
  return badges;
}
