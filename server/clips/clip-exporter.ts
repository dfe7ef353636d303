import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Logger } from 'pino';
import { CLIP_LIMITS, clipRangeProblem, type ClipJob, type CopyClipRequest } from '../../common/clips.js';
import { BadRequestError, ConflictError } from '../errors.js';
import type { WritableDB } from '../library/database.js';
import { insertClip, type ClipRow } from '../library/clips.js';
import { describeWriteError } from '../record/archive.js';
import { probe } from '../record/remux.js';
import type { ClipFiles } from './clip-files.js';
import { openClipSource } from './clip-source.js';
import { copyCut, CutCancelledError } from './copy-cut.js';

/** Exports at once: one per core on our 2-core machines. */
const MAX_RUNNING = 2;
/** Finished jobs kept for GET after they end (no timers: the oldest are dropped). */
const KEEP_FINISHED = 20;

interface Job {
  state: ClipJob;
  abort: AbortController;
  done: Promise<void>;
}

type ExporterEvents = { job: [ClipJob] };

/**
 * Fast-copy exports, in the node: each job cuts to a temporary file, and only a complete, probed
 * clip is renamed into `clips/` and given its row — a failure, a full disk or a cancel leaves
 * nothing in the gallery or the folder. Progress goes out as `job` events (at most ~10 a second).
 */
export class ClipExporter extends EventEmitter<ExporterEvents> {
  readonly #jobs = new Map<string, Job>();

  constructor(
    private readonly db: WritableDB,
    private readonly files: ClipFiles,
    private readonly toClip: (row: ClipRow) => NonNullable<ClipJob['clip']>,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Checks the request (throws a 4xx the studio shows as is) and starts the job. */
  async start(request: CopyClipRequest): Promise<ClipJob> {
    const source = await openClipSource(this.db, this.files.dataDir, request.recordingId);
    const problem = clipRangeProblem(request.inMs, request.outMs, source.facts.durationMs, CLIP_LIMITS.maxCopyMs);
    if (problem) throw new BadRequestError(problem, 'bad_range');
    if (this.#running() >= MAX_RUNNING) throw new ConflictError('Two exports are already running; wait for one to finish.', 'busy');

    const id = randomUUID();
    const abort = new AbortController();
    const state: ClipJob = { id, recordingId: request.recordingId, state: 'running', progress: 0 };
    const job: Job = { state, abort, done: Promise.resolve() };
    this.#jobs.set(id, job);
    job.done = this.#run(job, request, source.path, source.recording.startedAt);
    this.#forgetOldJobs();
    return { ...state };
  }

  get(id: string): ClipJob | undefined {
    const job = this.#jobs.get(id);
    return job && { ...job.state };
  }

  /** Cancels a running job (a finished one is returned as it ended). */
  cancel(id: string): ClipJob | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    if (job.state.state === 'running') job.abort.abort();
    return { ...job.state };
  }

  /** Cancels whatever runs and waits until its files are gone. */
  async close(): Promise<void> {
    const running = [...this.#jobs.values()].filter((job) => job.state.state === 'running');
    for (const job of running) job.abort.abort();
    await Promise.all(running.map((job) => job.done));
    this.removeAllListeners();
  }

  async #run(job: Job, request: CopyClipRequest, sourcePath: string, recordedAt: number): Promise<void> {
    const extension = extname(sourcePath).slice(1) === 'mkv' ? 'mkv' : 'webm';
    let temporary: string | undefined;
    let final: string | undefined;
    let lastEmit = 0;
    try {
      final = await this.files.reserve(new Date(recordedAt + request.inMs), request.title, extension);
      temporary = `${this.files.path(final)}.part`;
      await rm(temporary, { force: true });
      const { startMs } = await copyCut({
        source: sourcePath,
        destination: temporary,
        inMs: request.inMs,
        outMs: request.outMs,
        signal: job.abort.signal,
        onProgress: (fraction) => {
          job.state.progress = Math.min(0.99, Math.max(job.state.progress, fraction));
          const now = Date.now();
          if (now - lastEmit >= 100) {
            lastEmit = now;
            this.emit('job', { ...job.state });
          }
        },
      });
      if (job.abort.signal.aborted) throw new CutCancelledError('cancelled');
      const facts = await probe(temporary);
      await rename(temporary, this.files.path(final));
      const row = insertClip(this.db, {
        recordingId: request.recordingId,
        file: final,
        title: request.title,
        mode: 'copy',
        inMs: request.inMs,
        outMs: request.outMs,
        startMs,
        durationMs: facts.durationMs,
        sizeBytes: facts.sizeBytes,
        width: facts.width ?? null,
        height: facts.height ?? null,
        createdAt: Date.now(),
      });
      Object.assign(job.state, { state: 'done', progress: 1, clip: this.toClip(row) });
    } catch (error) {
      if (temporary) await rm(temporary, { force: true });
      if (error instanceof CutCancelledError) {
        job.state.state = 'cancelled';
      } else {
        const reason = (error as NodeJS.ErrnoException).code ? describeWriteError(error as NodeJS.ErrnoException) : (error as Error).message;
        this.logger.error({ err: error, recordingId: request.recordingId }, 'clip export failed');
        Object.assign(job.state, { state: 'failed', error: `The clip could not be saved: ${reason}.` });
      }
      // A rename that happened before a failing insert must not leave an orphan file.
      if (final) await rm(this.files.path(final), { force: true }).catch(() => undefined);
    } finally {
      if (final) this.files.release(final);
    }
    this.emit('job', { ...job.state });
  }

  #running(): number {
    let n = 0;
    for (const job of this.#jobs.values()) if (job.state.state === 'running') n++;
    return n;
  }

  #forgetOldJobs(): void {
    const finished = [...this.#jobs.entries()].filter(([, job]) => job.state.state !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.#jobs.delete(id);
  }
}
