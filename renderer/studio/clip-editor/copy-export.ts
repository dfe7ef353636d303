import type { Clip, ClipJob } from '../../../common/clips.js';
import { cancelClipJob, getClipJob, startCopyClip, type ClipRequest } from '../../lib/clips-api.js';
import { isAbortError } from '../../lib/node-error.js';

/** The events socket is the fast path; this poll is the fallback while a job runs. */
const POLL_MS = 500;
/** Polls failing in a row before the export is given up as lost. */
const POLL_FAILURES = 6;
/** Events seen for jobs not known yet (they can beat the POST's answer). */
const EARLY_EVENTS = 20;

/** The node's own account of a failed copy (`job.error`, written for people). */
export class CopyFailed extends Error {
  override name = 'CopyFailed';
}

interface CopyRun {
  /** Known once the node answered the POST. */
  id: string | undefined;
  cancelRequested: boolean;
  onProgress: (fraction: number) => void;
  resolve: (clip: Clip) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  failures: number;
}

/**
 * One fast copy in the node, followed to its end: `clip-job` events fed through onJob(), and a
 * poll of the job every 500 ms in case the socket is down. Resolves with the clip; rejects with
 * the node's message when it fails, or an AbortError when cancelled.
 */
export class CopyExport {
  readonly #token: string;
  readonly #early = new Map<string, ClipJob>();
  #run: CopyRun | undefined;

  constructor(token: string) {
    this.#token = token;
  }

  start(request: ClipRequest, onProgress: (fraction: number) => void): Promise<Clip> {
    if (this.#run) return Promise.reject(new Error('An export is already running.'));
    return new Promise<Clip>((resolve, reject) => {
      const run: CopyRun = { id: undefined, cancelRequested: false, onProgress, resolve, reject, timer: undefined, failures: 0 };
      this.#run = run;
      startCopyClip(this.#token, request).then(
        (job) => {
          if (this.#run !== run) return;
          run.id = job.id;
          this.#apply(job);
          const early = this.#early.get(job.id);
          if (early) this.#apply(early);
          this.#early.clear();
          if (this.#run !== run) return;
          if (run.cancelRequested) void this.cancel();
          this.#schedulePoll();
        },
        (error: unknown) => this.#finish(run, () => reject(error)),
      );
    });
  }

  /** A `clip-job` event from the events socket (busker only). */
  onJob(job: ClipJob): void {
    const run = this.#run;
    if (!run) return;
    if (run.id === undefined) {
      this.#early.set(job.id, job);
      if (this.#early.size > EARLY_EVENTS) this.#early.delete(this.#early.keys().next().value ?? '');
      return;
    }
    this.#apply(job);
  }

  /** Asks the node to stop; the promise from start() then rejects with an AbortError. */
  async cancel(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    if (run.id === undefined) {
      run.cancelRequested = true;
      return;
    }
    try {
      this.#apply(await cancelClipJob(this.#token, run.id));
    } catch (error) {
      // Finished in the meantime, say: the next poll or event tells how it ended.
      if (this.#run === run) this.#finish(run, () => run.reject(error));
    }
  }

  /** Stops following (the editor closed); the node finishes the copy on its own. */
  dispose(): void {
    const run = this.#run;
    if (run) this.#finish(run, () => run.reject(new DOMException('The editor was closed.', 'AbortError')));
    this.#early.clear();
  }

  #apply(job: ClipJob): void {
    const run = this.#run;
    if (!run || job.id !== run.id) return;
    switch (job.state) {
      case 'running':
        run.onProgress(job.progress);
        return;
      case 'done':
        if (job.clip) {
          const clip = job.clip;
          run.onProgress(1);
          this.#finish(run, () => run.resolve(clip));
        }
        // Done without the clip attached: the poll fetches the job again.
        return;
      case 'failed':
        this.#finish(run, () => run.reject(new CopyFailed(job.error || 'The fast copy failed.')));
        return;
      case 'cancelled':
        this.#finish(run, () => run.reject(new DOMException('The fast copy was cancelled.', 'AbortError')));
        return;
    }
  }

  #schedulePoll(): void {
    const run = this.#run;
    if (!run) return;
    clearTimeout(run.timer);
    run.timer = setTimeout(() => {
      if (this.#run !== run || run.id === undefined) return;
      getClipJob(this.#token, run.id).then(
        (job) => {
          if (this.#run !== run) return;
          run.failures = 0;
          this.#apply(job);
          if (this.#run === run) this.#schedulePoll();
        },
        (error: unknown) => {
          if (this.#run !== run) return;
          if (!isAbortError(error) && ++run.failures >= POLL_FAILURES) this.#finish(run, () => run.reject(error));
          else this.#schedulePoll();
        },
      );
    }, POLL_MS);
  }

  #finish(run: CopyRun, settle: () => void): void {
    if (this.#run !== run) return;
    clearTimeout(run.timer);
    this.#run = undefined;
    settle();
  }
}
