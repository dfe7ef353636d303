import { open } from 'node:fs/promises';
import { StreamTarget, type StreamTargetChunk } from 'mediabunny';

/**
 * A mediabunny output target that writes a file and does not hide write errors. mediabunny's own
 * FilePathTarget swallows them: on a full disk (measured on a 256 KiB tmpfs) a cut "succeeded"
 * with a truncated file. Here a failed write (ENOSPC, EROFS…) rejects, the conversion fails, and
 * the caller removes the partial file. The file is created exclusively and synced when closed.
 */
export async function fileTarget(path: string): Promise<StreamTarget> {
  const handle = await open(path, 'wx');
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const writable = new WritableStream<StreamTargetChunk>({
    async write(chunk) {
      let written = 0;
      while (written < chunk.data.byteLength) {
        const { bytesWritten } = await handle.write(chunk.data, written, chunk.data.byteLength - written, chunk.position + written);
        written += bytesWritten;
      }
    },
    async close() {
      await handle.datasync();
      await close();
    },
    async abort() {
      await close();
    },
  });
  return new StreamTarget(writable, { chunked: true, chunkSize: 4 * 1024 * 1024 });
}
