import type { Conversion, CropRectangle, VideoCodec, VideoSample } from 'mediabunny';
import { CLIP_LIMITS } from '../../../common/limits.js';
import { loadMediabunny, openInput, type Mediabunny } from './media.js';
import { renderTitleOverlay } from './title-overlay.js';

const WIDTH = CLIP_LIMITS.verticalWidth;
const HEIGHT = CLIP_LIMITS.verticalHeight;
const VIDEO_BITRATE = 2_500_000;

export interface VerticalEncodeOptions {
  mediaUrl: string;
  inMs: number;
  outMs: number;
  /** Burned in near the top when not empty. */
  title: string;
  /** The crop window for a frame of this size (each frame's own: the size can change mid-set). */
  cropFor(width: number, height: number): CropRectangle;
  /** 0–1 through the range. */
  onProgress(fraction: number): void;
  signal: AbortSignal;
}

/** A refusal worded for the busker (as opposed to a bug). */
export class ExportProblem extends Error {
  override name = 'ExportProblem';
}

/**
 * Encodes [in, out] of a recording as a 9:16 short in this page: mediabunny reads the signed link,
 * each frame is cropped to the window and scaled to 720×1280 on a canvas (with the title laid over
 * it), WebCodecs encodes VP8 (VP9 if this browser has no VP8 encoder) and Opus, into WebM in
 * memory. Aborting `signal` cancels the conversion and drops everything; nothing is written anywhere.
 */
export async function encodeVerticalShort(options: VerticalEncodeOptions): Promise<Blob> {
  const { signal } = options;
  signal.throwIfAborted();
  const mb = await loadMediabunny();
  const input = await openInput(options.mediaUrl, 2);
  let conversion: Conversion | undefined;
  const onAbort = () => void conversion?.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const video = await input.getPrimaryVideoTrack();
    if (!video) throw new ExportProblem('This recording has no picture to make a short from.');
    const audio = await input.getPrimaryAudioTrack();
    const codec = await pickVideoCodec(mb);
    if (!codec) throw new ExportProblem('This browser cannot encode video (no VP8 or VP9 encoder), so it cannot make a short. Try Chrome, Edge or Firefox.');
    signal.throwIfAborted();

    const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
    const context = canvas.getContext('2d', { alpha: false });
    if (!context) throw new ExportProblem('This browser cannot draw the short’s frames.');
    context.imageSmoothingQuality = 'high';
    const overlay = renderTitleOverlay(options.title, WIDTH, HEIGHT);
    // Crop and scale by hand rather than with the Conversion's crop: the window is placed on each
    // frame's own size, so a mid-set resolution change keeps the same framing.
    const process = (sample: VideoSample): OffscreenCanvas => {
      const crop = options.cropFor(sample.displayWidth, sample.displayHeight);
      context.fillStyle = '#000';
      context.fillRect(0, 0, WIDTH, HEIGHT);
      sample.draw(context, crop.left, crop.top, crop.width, crop.height, 0, 0, WIDTH, HEIGHT);
      if (overlay) context.drawImage(overlay, 0, 0);
      return canvas;
    };

    const output = new mb.Output({ format: new mb.WebMOutputFormat(), target: new mb.BufferTarget() });
    conversion = await mb.Conversion.init({
      input,
      output,
      tracks: 'primary',
      trim: { start: options.inMs / 1000, end: options.outMs / 1000 },
      video: {
        codec,
        quality: new mb.Quality({ bitrate: VIDEO_BITRATE }),
        keyFrameInterval: 2,
        forceTranscode: true,
        process,
        processedWidth: WIDTH,
        processedHeight: HEIGHT,
      },
      // Opus is copied, packet for packet, not re-encoded: Chromium's decoder times its output as
      // one unbroken stream, so across a gap in the recording (WebRTC loses sound under load) the
      // sound would come out early. Another codec is encoded to Opus.
      audio: { codec: 'opus' },
      // Copied Opus starts at a packet boundary (and one packet early, to warm the decoder up):
      // let the whole short shift by those few ms, picture included, so the copy is possible.
      copy: { shiftTolerance: 0.1 },
      showWarnings: false,
    });
    if (signal.aborted) await conversion.cancel();
    signal.throwIfAborted();
    const reason = (type: 'video' | 'audio') => reasonText(conversion?.discardedTracks.find((d) => d.track.type === type)?.reason);
    const kept = (type: 'video' | 'audio') => conversion?.utilizedTracks.some((track) => track.type === type) ?? false;
    if (!kept('video')) throw new ExportProblem(`This browser cannot make the short’s picture (${reason('video')}); nothing was exported.`);
    if (audio && !kept('audio')) {
      throw new ExportProblem(`This browser cannot keep the recording’s sound in a short (${reason('audio')}); nothing was exported.`);
    }
    if (!conversion.isValid) throw new ExportProblem('This recording cannot be made into a short in this browser.');

    conversion.onProgress = (fraction) => options.onProgress(Math.min(1, Math.max(0, fraction)));
    await conversion.execute();
    signal.throwIfAborted();
    const buffer = output.target.buffer;
    if (!buffer) throw new Error('The encoder produced no file.');
    return new Blob([buffer], { type: 'video/webm' });
  } catch (error) {
    // A cancel surfaces as mediabunny's ConversionCanceledError (or a disposed input): report it as an abort.
    if (signal.aborted) throw new DOMException('The export was cancelled.', 'AbortError');
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // A conversion refused before it ran, or one that failed, still holds its output: let go of it.
    if (conversion && conversion.state !== 'done') await conversion.cancel().catch(() => undefined);
    input.dispose();
  }
}

/** VP8 first (faster to encode), then VP9, at the short's size. */
async function pickVideoCodec(mb: Mediabunny): Promise<VideoCodec | undefined> {
  for (const codec of ['vp8', 'vp9'] as const) {
    if (await mb.canEncodeVideo(codec, { width: WIDTH, height: HEIGHT, quality: new mb.Quality({ bitrate: VIDEO_BITRATE }) })) return codec;
  }
  return undefined;
}

function reasonText(reason: string | undefined): string {
  switch (reason) {
    case 'no_encodable_target_codec':
      return 'no encoder for it';
    case 'undecodable_source_codec':
      return 'it cannot decode the recording';
    case 'unknown_source_codec':
      return 'unknown codec';
    default:
      return reason ?? 'unknown reason';
  }
}
