import { EventEmitter } from 'node:events';
import { mkdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { WritableDB } from '../library/database.js';
import { completeRecording, createRecording, failRecording, interruptedRecordings, recordingFileTaken } from '../library/recordings.js';
import { endOpenSets, endSet, startSet, updateSetInfo, updateSetLocation } from '../library/sets.js';
import type { Sfu } from '../sfu/sfu.js';
import type { Stage } from '../sfu/stage.js';
import { Recorder } from './recorder.js';
import { remuxToSeekable } from './remux.js';
import { containerFor, freeFileName, recordingFileName } from './file-names.js';

export const RECORDINGS_FOLDER = 'recordings';

export type RecordingState =
  | { state: 'off' }
  | { state: 'recording'; recordingId: number; setId: number }
  | { state: 'failed'; reason: string };

export interface SetClock {
  setId: number;
  recordingId: number | null;
  offsetMs: number | null;
}

type ArchiveEvents = {
  recording: [RecordingState];
  /** A set went live and has its library row (chat and markers attach to it from now on). */
  'set-started': [setId: number];
  'set-ended': [setId: number];
};

export interface ArchiveOptions {
  /** Record sets to disk (default true); without it sets are still kept in the library. */
  record?: boolean;
  /** Stop recording when less than this is free, keeping room for the library and for finalising. */
  minFreeBytes?: number;
  /** How often free space is checked while recording, ms. */
  diskCheckMs?: number;
}

interface Session {
  /** The stage ended; finishing may still be queued. */
  ended?: boolean;
  diskCheck?: NodeJS.Timeout;
  failed?: boolean;
  stage: Stage;
  setId: number;
  recordingId?: number;
  recorder?: Recorder;
  file?: string;
  /** Work for this session runs in order: start, then stop; never interleaved. */
  queue: Promise<void>;
}

/**
 * Keeps every set: a library row when a stage goes live, a recording while it lasts, and both
 * finalised when it ends. Files and rows agree: the recording's row is written before its file
 * grows and completed after the file is finalised; on start-up, `repair()` finishes what a crash
 * interrupted.
 */
export class SetArchive extends EventEmitter<ArchiveEvents> {
  #session: Session | undefined;
  /** Every session's queued work, so close() also waits for a set that is still being finished. */
  #work: Promise<void> = Promise.resolve();
  #state: RecordingState = { state: 'off' };
  readonly #unsubscribe: () => void;
  readonly #record: boolean;
  readonly #minFreeBytes: number;
  readonly #diskCheckMs: number;

  constructor(
    private readonly db: WritableDB,
    private readonly dataDir: string,
    private readonly sfu: Sfu,
    private readonly logger: Logger,
    options: ArchiveOptions = {},
  ) {
    super();
    this.#record = options.record ?? true;
    this.#minFreeBytes = options.minFreeBytes ?? 200 * 1024 * 1024;
    this.#diskCheckMs = options.diskCheckMs ?? 5000;
    const onLive = (stage: Stage) => this.#onLive(stage);
    const onEnded = (stage: Stage, reason: string) => this.#onEnded(stage, reason);
    const onStatus = () => this.#onStatus();
    sfu.on('stage-live', onLive);
    sfu.on('stage-ended', onEnded);
    sfu.on('status', onStatus);
    this.#unsubscribe = () => {
      sfu.off('stage-live', onLive);
      sfu.off('stage-ended', onEnded);
      sfu.off('status', onStatus);
    };
  }

  get state(): RecordingState {
    return this.#state;
  }

  /** The library id of the set on air (or still being finalised), if any. */
  get liveSetId(): number | undefined {
    // Until it is finalised: a set whose recording is still being finished cannot be deleted yet.
    return this.#session?.setId;
  }

  /**
   * Where "now" is in the live set: its id, and the position on its recording's clock (ms from
   * the file's first frame) — what chat and markers are stored against, so they line up with the
   * video in the clip editor. Undefined while offline; no position while not recording.
   */
  clock(now = Date.now()): SetClock | undefined {
    const session = this.#session;
    if (!session || session.ended) return undefined;
    const recording = session.recordingId !== undefined && !session.failed ? session.recordingId : null;
    const zero = session.recorder?.mediaStartedAt;
    return {
      setId: session.setId,
      recordingId: recording,
      offsetMs: recording !== null && zero !== undefined ? Math.max(0, now - zero) : null,
    };
  }

  /** Finishes recordings a crash interrupted (remux makes them playable and seekable) and closes their sets. */
  async repair(): Promise<{ repaired: number; failed: number }> {
    let repaired = 0;
    let failed = 0;
    for (const recording of interruptedRecordings(this.db)) {
      const path = join(this.dataDir, recording.file);
      try {
        const facts = await remuxToSeekable(path);
        completeRecording(this.db, recording.id, {
          status: 'repaired',
          endedAt: recording.startedAt + facts.durationMs,
          durationMs: facts.durationMs,
          sizeBytes: facts.sizeBytes,
          width: facts.width,
          height: facts.height,
        });
        repaired++;
      } catch (error) {
        const size = await stat(path).then((s) => s.size).catch(() => null);
        failRecording(this.db, recording.id, `could not repair after a crash: ${(error as Error).message}`, recording.startedAt, size);
        failed++;
      }
    }
    endOpenSets(this.db, 'interrupted (the node stopped unexpectedly)');
    if (repaired + failed > 0) this.logger.warn({ repaired, failed }, 'repaired interrupted recordings');
    return { repaired, failed };
  }

  /** Ends the current recording cleanly (for quitting while live). */
  async close(): Promise<void> {
    this.#unsubscribe();
    const session = this.#session;
    if (session) this.#enqueue(session, () => this.#finish(session, 'node closing'));
    // Including a set that ended just before (its session is no longer current while its
    // recording is remuxed): the data folder must be quiet when close() returns.
    await this.#work;
  }

  #onLive(stage: Stage): void {
    const setId = startSet(this.db, stage.info, stage.startedAt);
    updateSetLocation(this.db, setId, this.sfu.status().location);
    const session: Session = { stage, setId, queue: Promise.resolve() };
    this.#session = session;
    if (this.#record) this.#enqueue(session, () => this.#startRecording(session));
    this.emit('set-started', setId);
  }

  #onEnded(stage: Stage, reason: string): void {
    const session = this.#session;
    if (!session || session.stage !== stage) return;
    session.ended = true;
    this.#enqueue(session, () => this.#finish(session, reason));
    this.emit('set-ended', session.setId);
  }

  #onStatus(): void {
    const session = this.#session;
    if (!session || session.ended) return;
    const status = this.sfu.status();
    updateSetInfo(this.db, session.setId, status.set);
    // Once shown, a location stays on the set's record (the busker's own library) even if withdrawn later.
    if (status.location) updateSetLocation(this.db, session.setId, status.location);
  }

  async #startRecording(session: Session): Promise<void> {
    const { stage } = session;
    const video = stage.source('video');
    if (!video) return;
    const audio = stage.source('audio');
    const name = recordingFileName(new Date(stage.startedAt), stage.info.title, containerFor(video.codec.name));
    const file = freeFileName(this.dataDir, RECORDINGS_FOLDER, name, (f) => recordingFileTaken(this.db, f));
    session.file = file;
    session.recordingId = createRecording(this.db, {
      setId: session.setId,
      file,
      startedAt: Date.now(),
      videoCodec: video.codec.name,
      audioCodec: audio?.codec.name ?? null,
    });
    try {
      await mkdir(join(this.dataDir, RECORDINGS_FOLDER), { recursive: true });
      session.recorder = await Recorder.start({
        path: join(this.dataDir, file),
        sources: { video, audio },
        onWriteError: (error) => this.#fail(session, error),
      });
      this.#setState({ state: 'recording', recordingId: session.recordingId, setId: session.setId });
      await this.#checkDisk(session);
      if (!session.failed) session.diskCheck = setInterval(() => void this.#checkDisk(session), this.#diskCheckMs);
    } catch (error) {
      this.#fail(session, error as NodeJS.ErrnoException);
    }
  }

  /** Stops the recording before the disk is really full, so the library and the file stay sound. */
  async #checkDisk(session: Session): Promise<void> {
    if (this.#minFreeBytes <= 0 || session.failed) return;
    const info = await statfs(join(this.dataDir, RECORDINGS_FOLDER)).catch(() => undefined);
    if (info && info.bavail * info.bsize < this.#minFreeBytes) {
      this.#fail(session, Object.assign(new Error('free space below the safety margin'), { code: 'ENOSPC' }));
    }
  }

  async #finish(session: Session, reason: string): Promise<void> {
    if (this.#session === session) this.#session = undefined;
    clearInterval(session.diskCheck);
    endSet(this.db, session.setId, Date.now(), reason);
    const { recorder, recordingId, file } = session;
    if (!recorder || recordingId === undefined || !file) return;
    await recorder.stop();
    const endedAt = Date.now();
    // A failed recording keeps its row as failed, with its reason; nothing to finalise.
    if (recorder.failed || session.failed) return;
    try {
      const facts = await remuxToSeekable(join(this.dataDir, file));
      completeRecording(this.db, recordingId, {
        status: 'finalised',
        endedAt,
        durationMs: facts.durationMs,
        sizeBytes: facts.sizeBytes,
        width: facts.width,
        height: facts.height,
      });
    } catch (error) {
      // The file is still what werift wrote (it plays, but may not seek); say so rather than
      // leave the row 'recording' forever.
      this.logger.error({ err: error, file }, 'finalising a recording failed');
      const size = await stat(join(this.dataDir, file)).then((s) => s.size).catch(() => null);
      failRecording(this.db, recordingId, `could not finalise (the file may still play): ${(error as Error).message}`, endedAt, size);
    }
    if (this.#state.state === 'recording') this.#setState({ state: 'off' });
  }

  #fail(session: Session, error: NodeJS.ErrnoException): void {
    if (session.failed) return;
    session.failed = true;
    const reason = describeWriteError(error);
    this.logger.error({ err: error }, `recording stopped: ${reason}`);
    if (session.recordingId !== undefined) {
      try {
        failRecording(this.db, session.recordingId, reason, Date.now(), session.recorder?.bytesWritten ?? null);
      } catch (dbError) {
        // The library may sit on the same full disk; start-up repair settles the row later.
        this.logger.error({ err: dbError }, 'could not mark the recording failed');
      }
    }
    // Stop taking packets; the live set goes on.
    clearInterval(session.diskCheck);
    void session.recorder?.stop();
    this.#setState({ state: 'failed', reason });
  }

  #setState(state: RecordingState): void {
    this.#state = state;
    this.emit('recording', state);
  }

  #enqueue(session: Session, work: () => Promise<void>): void {
    session.queue = session.queue.then(work).catch((error: unknown) => this.logger.error({ err: error }, 'archive work failed'));
    this.#work = Promise.all([this.#work, session.queue]).then(() => undefined);
  }
}

/** A reason a busker can act on. */
export function describeWriteError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'disk full';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'data folder not writable';
    case 'ENOENT':
      return 'data folder missing';
    default:
      return `write failed (${error.code ?? error.message})`;
  }
}
