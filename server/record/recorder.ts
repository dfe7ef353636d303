import { Event, MediaStreamTrack, type RtpPacket } from 'werift';
import { MediaRecorder } from 'werift/nonstandard';
import type { MediaKind, TrackSource } from '../sfu/track.js';
import { WebmFileWriter, type WebmChunk } from './webm-file.js';

/** Keyframes every ~2 s while recording, so a clip can start within 2 s of where the busker wants. */
export const RECORDING_KEYFRAME_INTERVAL_MS = 2000;

/** Longest wait for the muxer's final chunk after the sources stop (it normally takes ~1 ms). */
const MUXER_END_WAIT_MS = 1500;

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
  readonly #startupAsks: NodeJS.Timeout[];
  /** Resolves when the muxer has written its final chunk (duration and cues). */
  readonly #ended: Promise<void>;
  #resolveEnded: () => void = () => undefined;
  #stopped = false;
  /** Wall time of the file's first media (its clock's 0), once written. */
  #mediaStartedAt: number | undefined;

  private constructor(writer: WebmFileWriter, options: RecorderOptions) {
    this.#writer = writer;
    this.#ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    const output = new Event<[WebmChunk]>();
    output.subscribe((chunk) => {
      if (this.#mediaStartedAt === undefined && (chunk.kind === 'cluster' || chunk.kind === 'block')) this.#mediaStartedAt = Date.now();
      writer.write(chunk);
      if (chunk.eol) this.#resolveEnded();
    });
    const feeds: Array<{ track: MediaStreamTrack; source: TrackSource }> = [];
    for (const kind of ['video', 'audio'] as const) {
      const source = options.sources[kind];
      if (source) feeds.push({ track: new MediaStreamTrack({ kind, codec: source.codec }), source });
    }
    // The muxer subscribes to the tracks here, synchronously (it writes to a stream, not a path).
    this.#recorder = new MediaRecorder({
      tracks: feeds.map(({ track }) => track),
      stream: output as never,
      disableNtp: true,
      width: 1280,
      height: 720,
    });
    for (const { track, source } of feeds) {
      // Video starts from the current group of pictures when it is fresh: the keyframe asked for
      // at go-live often arrives before the file is open, and the file's video would otherwise
      // wait for the next one (~0.5 s). The group is squeezed into the present (retimeForCatchUp),
      // so it lines up with the first audio. Live packets follow it without a gap.
      if (source.kind === 'video') for (const packet of source.catchUp?.() ?? []) track.writeRtp(packet);
      this.#unsubscribes.push(source.onPacket((packet: RtpPacket) => track.writeRtp(packet)));
    }
    const video = options.sources.video;
    // The file starts at the first keyframe: ask now, and again shortly in case that ask is lost.
    video?.requestKeyframe();
    this.#startupAsks = [400, 900].map((ms) => setTimeout(() => video?.requestKeyframe(), ms));
    this.#keyframeTimer = setInterval(() => video?.requestKeyframe(), RECORDING_KEYFRAME_INTERVAL_MS);
  }


  static async start(options: RecorderOptions): Promise<Recorder> {
    const writer = await WebmFileWriter.create(options.path, options.onWriteError);
    return new Recorder(writer, options);
  }

  get bytesWritten(): number {
    return this.#writer.bytesWritten;
  }

  /** When the recording's first frame was written (ms since the epoch): position 0 of the file. */
  get mediaStartedAt(): number | undefined {
    return this.#mediaStartedAt;
  }

  get failed(): boolean {
    return this.#writer.failed;
  }

  /** Stops taking packets, lets the muxer flush its last frames, and closes the file. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#keyframeTimer);
    for (const timer of this.#startupAsks) clearTimeout(timer);
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    await this.#stopMuxer();
    await this.#writer.close();
  }

  /**
   * Ends werift's pipeline and waits (briefly) for the muxer's last chunk. werift's own stop()
   * only notices the end of a file it writes itself and otherwise waits a fixed 5 s, so this does
   * what it does — stop the RTP sources, then drop the subscriptions — with our own wait.
   */
  async #stopMuxer(): Promise<void> {
    const writer = this.#recorder.writer as unknown as {
      rtpSources?: Array<{ stop(): unknown }>;
      unSubscribers?: { dispose(): void };
    };
    if (!writer.rtpSources || !writer.unSubscribers) {
      await this.#recorder.stop().catch(() => undefined);
      return;
    }
    await Promise.all(writer.rtpSources.map((source) => source.stop()));
    await Promise.race([this.#ended, new Promise((resolve) => setTimeout(resolve, MUXER_END_WAIT_MS))]);
    writer.unSubscribers.dispose();
  }
}
