import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedStream {
  codec_type: 'video' | 'audio';
  codec_name: string;
  width?: number;
  height?: number;
  start_time?: string;
}

export async function ffprobe(path: string): Promise<{ streams: ProbedStream[]; format: { duration?: string; size: string } }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path]);
  return JSON.parse(stdout) as { streams: ProbedStream[]; format: { duration?: string; size: string } };
}

/** Packet times (seconds) of one stream, in file order. */
export async function packetTimes(path: string, stream: 'v' | 'a'): Promise<number[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .map((line) => Number.parseFloat(line))
    .filter((t) => Number.isFinite(t));
}

export function largestGap(times: number[]): number {
  return gapsOver(times, 0)[0]?.gap ?? 0;
}

/** Gaps between consecutive packets longer than `seconds`, largest first, with where they start. */
export function gapsOver(times: number[], seconds: number): Array<{ at: number; gap: number }> {
  const gaps: Array<{ at: number; gap: number }> = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > seconds) gaps.push({ at: times[i - 1]!, gap: Math.round(gap * 1000) / 1000 });
  }
  return gaps.sort((a, b) => b.gap - a.gap);
}

/** Whether the file has a WebM Cues element (what players seek with). */
export async function hasCues(path: string): Promise<boolean> {
  return (await readFile(path)).includes(Buffer.from([0x1c, 0x53, 0xbb, 0x6b]));
}

/** Decodes the whole file; throws with ffmpeg's complaint if it is not playable. */
export async function decodesCleanly(path: string, seekSeconds?: number): Promise<void> {
  const seek = seekSeconds === undefined ? [] : ['-ss', String(seekSeconds)];
  await run('ffmpeg', ['-v', 'error', '-xerror', ...seek, '-i', path, '-f', 'null', '-']);
}
