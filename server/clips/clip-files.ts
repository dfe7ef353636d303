import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadableDB } from '../library/database.js';
import { clipFileTaken } from '../library/clips.js';
import { freeFileName, recordingFileName } from '../record/file-names.js';

export const CLIPS_FOLDER = 'clips';

/**
 * Names for new clip files in `<data>/clips/`. A name is reserved from the moment an export starts
 * until its row exists (or it failed), so two exports of the same moment never pick the same file.
 */
export class ClipFiles {
  readonly #reserved = new Set<string>();

  constructor(
    private readonly db: ReadableDB,
    readonly dataDir: string,
  ) {}

  /** Reserves a free name (relative to the data folder) for a clip of `title` starting at `at`. */
  async reserve(at: Date, title: string, extension: 'webm' | 'mkv'): Promise<string> {
    await mkdir(join(this.dataDir, CLIPS_FOLDER), { recursive: true });
    const name = recordingFileName(at, title || 'clip', extension);
    const file = freeFileName(this.dataDir, CLIPS_FOLDER, name, (f) => this.#reserved.has(f) || clipFileTaken(this.db, f));
    this.#reserved.add(file);
    return file;
  }

  release(file: string): void {
    this.#reserved.delete(file);
  }

  path(file: string): string {
    return join(this.dataDir, file);
  }
}
