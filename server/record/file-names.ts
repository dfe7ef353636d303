import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** WebM for VP8/VP9/AV1; Matroska (which WebM is a subset of) for H.264, which WebM does not admit. */
export function containerFor(videoCodec: string): 'webm' | 'mkv' {
  return /h264|avc/i.test(videoCodec) ? 'mkv' : 'webm';
}

/**
 * `2026-11-22_18-05-09_friday-jazz.webm`: sortable, readable, safe on every file system.
 * The busker's title is reduced to ASCII letters, digits and dashes (at most 40 characters).
 */
export function recordingFileName(startedAt: Date, title: string, extension: 'webm' | 'mkv' = 'webm'): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${startedAt.getFullYear()}-${pad(startedAt.getMonth() + 1)}-${pad(startedAt.getDate())}_` +
    `${pad(startedAt.getHours())}-${pad(startedAt.getMinutes())}-${pad(startedAt.getSeconds())}`;
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${stamp}${slug ? `_${slug}` : ''}.${extension}`;
}

/**
 * A file name in `folder` that neither the disk nor the library (`taken`) has yet: `name.ext`,
 * then `name_2.ext`, … Returned relative to the data folder, as rows store it.
 */
export function freeFileName(dataDir: string, folder: string, name: string, taken: (file: string) => boolean): string {
  for (let n = 1; ; n++) {
    const file = join(folder, n === 1 ? name : name.replace(/\.(\w+)$/, `_${n}.$1`));
    if (!existsSync(join(dataDir, file)) && !taken(file)) return file;
  }
}
