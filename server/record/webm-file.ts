import { open, type FileHandle } from 'node:fs/promises';
import { DurationPosition, replaceSegmentSize, SegmentSizePosition } from 'werift/nonstandard';

export interface WebmChunk {
  saveToFile?: Buffer;
  kind?: 'initial' | 'cluster' | 'block' | 'cuePoints';
  eol?: { duration: number; durationElement: Uint8Array };
}

/**
 * Appends werift's WebM output to a file, in order, and makes it durable once a second: a crash
 * or power cut loses at most the last second, never the file. The file is created exclusively
 * (never overwrites). The first write error (disk full, folder gone) stops all writing and is
 * reported once through `onError`; everything written before it stays on disk.
 */
export class WebmFileWriter {
  #handle: FileHandle | undefined;
  #chain: Promise<void> = Promise.resolve();
  #syncTimer: NodeJS.Timeout | undefined;
  #dirty = false;
  #failed = false;
  #closed = false;
  #bytes = 0;

  private constructor(
    readonly path: string,
    private readonly onError: (error: NodeJS.ErrnoException) => void,
  ) {}

  static async create(path: string, onError: (error: NodeJS.ErrnoException) => void, syncEveryMs = 1000): Promise<WebmFileWriter> {
    const writer = new WebmFileWriter(path, onError);
    writer.#handle = await open(path, 'wx', 0o644);
    writer.#syncTimer = setInterval(() => writer.#enqueue(() => writer.#sync()), syncEveryMs);
    return writer;
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  get failed(): boolean {
    return this.#failed;
  }

  write(chunk: WebmChunk): void {
    if (chunk.saveToFile) {
      const data = chunk.saveToFile;
      this.#enqueue(async () => {
        await this.#handle!.write(data, 0, data.length, null);
        this.#bytes += data.length;
        this.#dirty = true;
      });
    }
    if (chunk.eol) {
      const { durationElement } = chunk.eol;
      this.#enqueue(async () => {
        // What werift's own saveToFileSystem patches at the end: the duration and the segment size.
        await this.#handle!.write(durationElement, 0, durationElement.length, DurationPosition);
        const size = replaceSegmentSize(this.#bytes);
        await this.#handle!.write(size, 0, size.length, SegmentSizePosition);
        this.#dirty = true;
      });
    }
  }

  /** Waits for every queued write, syncs, and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return this.#chain;
    this.#closed = true;
    clearInterval(this.#syncTimer);
    this.#enqueue(() => this.#sync());
    await this.#chain;
    await this.#handle?.close().catch(() => undefined);
  }

  #sync(): Promise<void> {
    if (!this.#dirty) return Promise.resolve();
    this.#dirty = false;
    return this.#handle!.datasync();
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#failed || !this.#handle) return;
      try {
        await work();
      } catch (error) {
        this.#failed = true;
        clearInterval(this.#syncTimer);
        this.onError(error as NodeJS.ErrnoException);
      }
    });
  }
}
