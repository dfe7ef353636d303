import { execFile, execFileSync } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { WritableDB } from '../../server/library/database.js';
import { completeRecording, createRecording } from '../../server/library/recordings.js';
import { endSet, startSet } from '../../server/library/sets.js';

const run = promisify(execFile);

/**
 * A WebM made by ffmpeg the way the node's recordings are: VP8 + Opus, a keyframe every 2 s. Tests
 * of the clip tools start from it instead of a live set: deterministic, and seconds faster.
 */
export async function makeWebm(path: string, options: { seconds: number; width?: number; height?: number; audio?: boolean; bitrate?: string }): Promise<void> {
  const { seconds, width = 1280, height = 720, audio = true, bitrate = '800k' } = options;
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  args.push('-c:v', 'libvpx', '-b:v', bitrate, '-g', '60', '-keyint_min', '60', '-deadline', 'realtime', '-cpu-used', '8');
  if (audio) args.push('-c:a', 'libopus', '-b:a', '64k');
  args.push(path);
  await run('ffmpeg', args, { timeout: 120_000 });
}

/** Puts a finalised recording of `seconds` into a node's library, as a set that ended; returns its ids. */
export async function addSyntheticRecording(
  db: WritableDB,
  dataDir: string,
  options: { seconds: number; file?: string; audio?: boolean; title?: string },
): Promise<{ setId: number; recordingId: number; path: string }> {
  const file = options.file ?? `recordings/synthetic-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.webm`;
  const path = join(dataDir, file);
  await mkdir(join(path, '..'), { recursive: true });
  await makeWebm(path, { seconds: options.seconds, audio: options.audio });
  const startedAt = Date.now() - options.seconds * 1000;
  const setId = startSet(db, { title: options.title ?? 'Synthetic set', hashtags: [], description: '' }, startedAt);
  const recordingId = createRecording(db, { setId, file, startedAt, videoCodec: 'VP8', audioCodec: options.audio === false ? null : 'opus' });
  completeRecording(db, recordingId, {
    status: 'finalised',
    endedAt: startedAt + options.seconds * 1000,
    durationMs: options.seconds * 1000,
    sizeBytes: (await stat(path)).size,
    width: 1280,
    height: 720,
  });
  endSet(db, setId, startedAt + options.seconds * 1000, 'ended by the publisher');
  return { setId, recordingId, path };
}

/** Whether this machine lets us mount a tmpfs (root, as on CI): the disk-full cases need one. */
export function canMountTmpfs(): boolean {
  const probe = join(tmpdir(), `curbcast-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', probe]);
  }
}
