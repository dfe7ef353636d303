import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClipJob } from '../../common/clips.js';
import { distribution, log, round, sleep, type Distribution } from './stats.js';

const run = promisify(execFile);

export interface CopyCutBench {
  /** The range cut, s, from a recording of `sourceSeconds`. */
  rangeSeconds: number;
  sourceSeconds: number;
  /** The node's fast copy (POST /api/clips → job done), wall ms per cut. */
  nodeMs: Distribution;
  /** ffmpeg `-c copy` of the same range, side by side (a reference, not what the app runs). */
  ffmpegMs: Distribution;
  /** Seconds of clip per second of work: how much faster than real time. */
  nodeTimesRealTime: number;
  ffmpegTimesRealTime: number;
  /** nodeMs p50 / ffmpegMs p50. */
  ratioToFfmpeg: number;
}

/**
 * Fast-copy speed for a 30 s range of the set the bench just recorded (720p, ~2.5 Mbit/s), through
 * the node's real API, alternating with ffmpeg's stream copy of the same range so both see the
 * same machine. Bounded: `runs` cuts each, each waited for at most 60 s.
 */
export async function measureCopyCut(options: {
  baseUrl: string;
  token: string;
  recordingId: number;
  recordingPath: string;
  durationMs: number;
  tmp: string;
  runs?: number;
}): Promise<CopyCutBench> {
  const runs = options.runs ?? 5;
  const rangeMs = Math.min(30_000, options.durationMs - 2000);
  const inMs = Math.max(0, Math.min(10_000, options.durationMs - rangeMs - 1000));
  const outMs = inMs + rangeMs;
  const nodeMs: number[] = [];
  const ffmpegMs: number[] = [];
  const headers = { Authorization: `Bearer ${options.token}`, 'Content-Type': 'application/json' };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const response = await fetch(`${options.baseUrl}/api/clips`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ recordingId: options.recordingId, inMs, outMs, title: `bench ${i}` }),
    });
    if (response.status !== 202) throw new Error(`POST /api/clips: ${response.status} ${await response.text()}`);
    let job = (await response.json()) as ClipJob;
    const deadline = Date.now() + 60_000;
    while (job.state === 'running') {
      if (Date.now() > deadline) throw new Error('a fast copy took over 60 s');
      await sleep(20);
      job = (await (await fetch(`${options.baseUrl}/api/clips/jobs/${job.id}`, { headers })).json()) as ClipJob;
    }
    if (job.state !== 'done') throw new Error(`fast copy ${job.state}: ${job.error ?? ''}`);
    nodeMs.push(performance.now() - started);

    const reference = join(options.tmp, `ffmpeg-copy-${i}.webm`);
    const t0 = performance.now();
    await run('ffmpeg', ['-v', 'error', '-y', '-ss', String(inMs / 1000), '-to', String(outMs / 1000), '-i', options.recordingPath, '-c', 'copy', reference], {
      timeout: 60_000,
    });
    ffmpegMs.push(performance.now() - t0);
    rmSync(reference, { force: true });
  }
  const node = distribution(nodeMs, 1);
  const ffmpeg = distribution(ffmpegMs, 1);
  log(`fast copy of ${rangeMs / 1000} s: node p50 ${node.p50} ms, ffmpeg -c copy p50 ${ffmpeg.p50} ms`);
  return {
    rangeSeconds: rangeMs / 1000,
    sourceSeconds: round(options.durationMs / 1000, 1),
    nodeMs: node,
    ffmpegMs: ffmpeg,
    nodeTimesRealTime: round(rangeMs / node.p50, 1),
    ffmpegTimesRealTime: round(rangeMs / ffmpeg.p50, 1),
    ratioToFfmpeg: round(node.p50 / ffmpeg.p50, 2),
  };
}
