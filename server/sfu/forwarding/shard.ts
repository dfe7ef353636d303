import { EventEmitter } from 'node:events';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { FromShard, ShardGauges, ShardStart, ToShard } from './protocol.js';
import { spawnForwardingWorker } from './spawn-worker.js';

type ShardEvents = {
  message: [message: FromShard];
  /** The thread is gone (crashed, or stopped by close()); emitted once. */
  exit: [reason: string];
};

/** How long a new forwarding thread may take to say it is ready, ms. */
const READY_TIMEOUT_MS = 15_000;

/**
 * The main thread's handle on one forwarding thread: starts it, posts to it, and turns its
 * messages and its end into events. Knows nothing of sets or viewers (ShardedViewerHost does).
 */
export class Shard extends EventEmitter<ShardEvents> {
  readonly index: number;
  readonly #worker: Worker;
  readonly ready: Promise<void>;
  readonly #gaugeRequests = new Map<number, (snapshot: ShardGauges | undefined) => void>();
  #nextRequest = 1;
  #alive = true;
  #stopping = false;

  constructor(start: ShardStart, onLogLine: (line: string) => void) {
    super();
    this.index = start.index;
    this.#worker = spawnForwardingWorker(start);
    // The node's lifetime is the main thread's: a thread never keeps a stopping process alive.
    this.#worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`forwarding thread ${start.index} did not start in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      this.once('exit', (reason) => {
        clearTimeout(timer);
        reject(new Error(`forwarding thread ${start.index} stopped before it was ready: ${reason}`));
      });
      this.#worker.on('message', (message: FromShard) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'log') onLogLine(message.line);
        else if (message.type === 'gauges') this.#answerGauges(message.request, message.snapshot);
        else this.emit('message', message);
      });
    });
    // Nobody may be awaiting `ready` when it fails later (exit after start): that is reported by `exit`.
    this.ready.catch(() => undefined);
    this.#worker.on('error', (error) => this.#exited(`error: ${error.message}`));
    this.#worker.on('exit', (code) => this.#exited(this.#stopping ? 'stopped' : `exited with code ${code}`));
  }

  get alive(): boolean {
    return this.#alive;
  }

  post(message: ToShard, transfer?: ArrayBuffer[]): void {
    if (this.#alive) this.#worker.postMessage(message, transfer);
  }

  /** The thread's counts, or undefined if it does not answer within `timeoutMs`. */
  gauges(gc: boolean, timeoutMs = 5000): Promise<ShardGauges | undefined> {
    if (!this.#alive) return Promise.resolve(undefined);
    const request = this.#nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#answerGauges(request, undefined), timeoutMs);
      this.#gaugeRequests.set(request, (snapshot) => {
        clearTimeout(timer);
        resolve(snapshot);
      });
      this.post({ type: 'gauges', request, gc });
    });
  }

  /** How busy the thread's event loop has been since it started (active vs idle time). */
  eventLoop(): EventLoopUtilization {
    return this.#worker.performance.eventLoopUtilization();
  }

  /** Stops the thread (its peers go with it: the caller has already closed its sessions). */
  async stop(): Promise<void> {
    if (!this.#alive) return;
    this.#stopping = true;
    await this.#worker.terminate();
  }

  /** Test seam: the thread dies as if it crashed. */
  crashForTest(): Promise<number> {
    return this.#worker.terminate();
  }

  /** Blocks the thread for `ms`, as a thread that falls behind is (tests of load shedding). */
  stallForTest(ms: number): void {
    this.post({ type: 'stall-for-test', ms });
  }

  #answerGauges(request: number, snapshot: ShardGauges | undefined): void {
    const answer = this.#gaugeRequests.get(request);
    this.#gaugeRequests.delete(request);
    answer?.(snapshot);
  }

  #exited(reason: string): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const request of [...this.#gaugeRequests.keys()]) this.#answerGauges(request, undefined);
    this.emit('exit', reason);
    this.removeAllListeners();
  }
}
