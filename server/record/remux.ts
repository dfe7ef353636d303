import { rename, rm, stat } from 'node:fs/promises';
import { ALL_FORMATS, Conversion, FilePathSource, Input, MkvOutputFormat, Output, WebMOutputFormat } from 'mediabunny';
import { fileTarget } from './file-target.js';

export interface MediaFacts {
  durationMs: number;
  sizeBytes: number;
  width: number | undefined;
  height: number | undefined;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
}

/**
 * Rewrites a WebM (or, for H.264, Matroska) file in place (through a temporary file and an atomic rename) with a real
 * Duration, Cues for seeking and the true frame size — packets are copied, never re-encoded.
 * Works on a cleanly ended recording and on the partial file a crash left behind.
 */
export async function remuxToSeekable(path: string): Promise<MediaFacts> {
  const temporary = `${path}.remux-${process.pid}.tmp`;
  // A crash during an earlier remux may have left one behind.
  await rm(temporary, { force: true });
  const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
  try {
    // WebM admits only VP8/VP9/AV1 video; H.264 (what OBS sends) is kept in plain Matroska.
    const format = path.endsWith('.mkv') ? new MkvOutputFormat() : new WebMOutputFormat();
    const output = new Output({ format, target: await fileTarget(temporary) });
    const conversion = await Conversion.init({
      input,
      output,
      video: { forceTranscode: false },
      audio: { forceTranscode: false },
      showWarnings: false,
    });
    // Never finalise by dropping a track: a discarded one means the file stays as recorded.
    if (!conversion.isValid || conversion.discardedTracks.length > 0) {
      const reasons = conversion.discardedTracks.map((t) => `${t.track.type}: ${t.reason}`).join(', ');
      throw new Error(`cannot remux ${path}: ${reasons || 'no usable track'}`);
    }
    await conversion.execute();
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    input.dispose?.();
  }
  await rename(temporary, path);
  return probe(path);
}

/** Reads duration, size and codecs from a media file. */
export async function probe(path: string): Promise<MediaFacts> {
  const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
  try {
    const video = await input.getPrimaryVideoTrack();
    const audio = await input.getPrimaryAudioTrack();
    const durationMs = Math.round((await input.computeDuration()) * 1000);
    return {
      durationMs,
      sizeBytes: (await stat(path)).size,
      width: video?.displayWidth,
      height: video?.displayHeight,
      videoCodec: video?.codec ?? undefined,
      audioCodec: audio?.codec ?? undefined,
    };
  } finally {
    input.dispose?.();
  }
}
