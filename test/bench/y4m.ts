/**
 * A file-fed fake camera. Chromium's built-in fake camera gives ~20 fps and 0.4–0.7 Mbit/s at 720p;
 * a noisy 720p30 y4m (testsrc2 plus temporal noise, which the encoder cannot predict away) makes it
 * spend the bitrate the node allows (~2.5 Mbit/s; NOTES-media.md).
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

export interface Y4mOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Length of the loop, seconds (Chromium replays the file from the start when it ends). */
  seconds?: number;
  /** ffmpeg `noise` filter strength (0–100). */
  noise?: number;
}

/** Writes `<dir>/camera-<w>x<h>-<fps>.y4m` with ffmpeg (~1.5 s, ~40 MB per second of video). */
export function makeNoisyY4m(dir: string, options: Y4mOptions = {}): { path: string; bytes: number; width: number; height: number; fps: number } {
  const { width = 1280, height = 720, fps = 30, seconds = 10, noise = 10 } = options;
  const path = join(dir, `camera-${width}x${height}-${fps}.y4m`);
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
      '-vf', `noise=alls=${noise}:allf=t+u,format=yuv420p`,
      '-t', String(seconds),
      '-f', 'yuv4mpegpipe', path,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error) throw new Error(`ffmpeg could not run (apt-get install -y ffmpeg): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ffmpeg failed making the fake camera file: ${result.stderr}`);
  return { path, bytes: statSync(path).size, width, height, fps };
}
