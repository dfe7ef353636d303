import { rm } from 'node:fs/promises';
import {
  ALL_FORMATS,
  Conversion,
  ConversionCanceledError,
  EncodedPacketSink,
  FilePathSource,
  Input,
  MkvOutputFormat,
  Output,
  WebMOutputFormat,
} from 'mediabunny';
import { fileTarget } from '../record/file-target.js';

export interface CopyCutOptions {
  source: string;
  /** Where the clip is written (a temporary name; the caller renames it once it is complete). */
  destination: string;
  inMs: number;
  outMs: number;
  onProgress?: (fraction: number) => void;
  /** Aborting cancels the cut and removes what was written. */
  signal?: AbortSignal;
}

export interface CopyCutResult {
  /** Where the clip really starts on the recording's clock: the keyframe at or before `inMs`. */
  startMs: number;
}

export class CutCancelledError extends Error {
  override name = 'CutCancelledError';
}

/**
 * Cuts [in, out] out of a recording without re-encoding: packets are copied. A copy can only
 * start on a keyframe, so the cut starts at the keyframe at or before the in-point, found here
 * first; trimming from exactly there makes audio and video both start at 0 (mediabunny's own
 * boundary handling either shifts audio late or starts video late — NOTES-media.md).
 */
export async function copyCut(options: CopyCutOptions): Promise<CopyCutResult> {
  const input = new Input({ source: new FilePathSource(options.source), formats: ALL_FORMATS });
  let conversion: Conversion | undefined;
  const onAbort = () => void conversion?.cancel();
  try {
    const video = await input.getPrimaryVideoTrack();
    if (!video) throw new Error('the recording has no video track');
    const key = await new EncodedPacketSink(video).getKeyPacket(options.inMs / 1000, { metadataOnly: true });
    const start = key?.timestamp ?? 0;
    const format = options.destination.includes('.mkv') ? new MkvOutputFormat() : new WebMOutputFormat();
    const output = new Output({ format, target: await fileTarget(options.destination) });
    conversion = await Conversion.init({
      input,
      output,
      trim: { start, end: options.outMs / 1000 },
      video: { forceTranscode: false },
      audio: { forceTranscode: false },
      // Node has no encoders: a track that cannot be copied must not silently become a transcode.
      copy: { mode: 'forced' },
      showWarnings: false,
    });
    if (!conversion.isValid || conversion.discardedTracks.length > 0) {
      const reasons = conversion.discardedTracks.map((t) => `${t.track.type}: ${t.reason}`).join(', ');
      throw new Error(`cannot copy this recording (${reasons || 'no usable track'})`);
    }
    conversion.onProgress = (progress) => options.onProgress?.(progress);
    if (options.signal?.aborted) throw new CutCancelledError('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    await conversion.execute();
    return { startMs: Math.round(start * 1000) };
  } catch (error) {
    await rm(options.destination, { force: true });
    if (error instanceof ConversionCanceledError || options.signal?.aborted) throw new CutCancelledError('cancelled');
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    input.dispose?.();
  }
}
