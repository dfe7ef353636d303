import { Event, MediaStreamTrack, type RtpPacket } from 'werift';
import { MediaRecorder } from 'werift/nonstandard';
import type { MediaKind, TrackSource } from '../sfu/track.js';
import { WebmFileWriter, type WebmChunk } from './webm-file.js';

/** Keyframes every ~2 s while recording, so a clip can start within 2 s of where the busker wants. */
export const RECORDING_KEYFRAME_INTERVAL_MS = 2000;

export interface RecorderOptions {
  path: string;
  sources: Partial<Record<MediaKind, TrackSource>>;
  /** Called once if writing fails (disk full, folder unwritable); the live set goes on. */
  onWriteError: (error: NodeJS.ErrnoException) => void;
}

/**
 * Records one publisher to one WebM file: a sink on the stage's track sources (Galène's
 * diskwriter idea), muxed by werift's MediaRecorder and written by WebmFileWriter.
 * werift options per NOTES-media.md: `disableNtp` (with NTP mapping audio was lost).
 */
export class Recorder {
  readonly #writer: WebmFileWriter;
  readonly #recorder: MediaRecorder;
  readonly #unsubscribes: Array<() => void> = [];
  readonly #keyframeTimer: NodeJS.Timeout;
  #stopped = false;

  private constructor(writer: WebmFileWriter, options: RecorderOptions) {
    this.#writer = writer;
    const output = new Event<[WebmChunk]>();
    output.subscribe((chunk) => {
      writer.write(chunk);
      if (chunk.eol) this.#markEnded();
    });
    const tracks: MediaStreamTrack[] = [];
    for (const kind of ['video', 'audio'] as const) {
      const source = options.sources[kind];
      if (!source) continue;
      const track = new MediaStreamTrack({ kind, codec: source.codec });
      tracks.push(track);
      this.#unsubscribes.push(source.onPacket((packet: RtpPacket) => track.writeRtp(packet)));
    }
    this.#recorder = new MediaRecorder({
      tracks,
      stream: output as never,
      disableNtp: true,
      width: 1280,
      height: 720,
    });
    const video = options.sources.video;
    video?.requestKeyframe();
    this.#keyframeTimer = setInterval(() => video?.requestKeyframe(), RECORDING_KEYFRAME_INTERVAL_MS);
  }

  /**
   * werift's writer only notices the end of a *file* it writes itself; writing to a stream, its
   * stop() would wait 5 s for an end it never sees. Tell it, in both ways its stop() listens.
   */
  #markEnded(): void {
    const factory = this.#recorder.writer as unknown as { ended: boolean; onEol?: { execute(): void } };
    factory.ended = true;
    factory.onEol?.execute();
  }

  static async start(options: RecorderOptions): Promise<Recorder> {
    const writer = await WebmFileWriter.create(options.path, options.onWriteError);
    return new Recorder(writer, options);
  }

  get bytesWritten(): number {
    return this.#writer.bytesWritten;
  }

  get failed(): boolean {
    return this.#writer.failed;
  }

  /** Stops taking packets, lets the muxer flush its last frames, and closes the file. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#keyframeTimer);
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    await this.#recorder.stop().catch(() => undefined);
    await this.#writer.close();
  }
}
