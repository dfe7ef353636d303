import type { EventLoopUtilization } from 'node:perf_hooks';

/**
 * Which forwarding thread a new viewer goes to.
 *
 * - `even` (the default): the thread with the fewest of this set's viewers. Every thread keeps
 *   the most headroom for a burst of joins or a busy moment.
 * - `pack`: the first thread (in order) whose event loop was less than PACK_UNTIL_BUSY busy over
 *   the last second takes it; only when every thread is that busy does the least busy one. Meant
 *   to run a small audience as cheaply as on one thread (one run of the scaling bench had shown
 *   17% more CPU per viewer with 40 viewers split over two threads), but measured side by side it
 *   saved nothing beyond the noise (BENCH_SCALING_PLACEMENT=pack: CPU per viewer ×0.93 of one
 *   thread's, against ×1.00 for even, in runs whose one-thread figure itself moved 18%), so it is
 *   not the default.
 */
export type ThreadPlacement = 'pack' | 'even';

export const THREAD_PLACEMENTS: readonly ThreadPlacement[] = ['even', 'pack'];

/**
 * A thread takes new viewers (under `pack`) until its event loop is this busy: about 40 viewers of a
 * 2 Mbit/s set on this project's 2-core test machine, well short of where it falls behind (~85%).
 */
export const PACK_UNTIL_BUSY = 0.5;

/** A thread as placement sees it. */
export interface ThreadLoad<T> {
  thread: T;
  /** Event-loop use over the last measured second, 0–1. */
  busy: number;
  /** This set's viewers on it. */
  sessions: number;
}

/** The thread for a new viewer, from the live threads in their order; undefined if there is none. */
export function chooseThread<T>(threads: readonly ThreadLoad<T>[], placement: ThreadPlacement): T | undefined {
  if (placement === 'pack') {
    const roomy = threads.find((load) => load.busy < PACK_UNTIL_BUSY);
    if (roomy) return roomy.thread;
    return least(threads, (load) => load.busy)?.thread;
  }
  return least(threads, (load) => load.sessions)?.thread;
}

/** The first of the smallest by `measure`. */
function least<T>(threads: readonly ThreadLoad<T>[], measure: (load: ThreadLoad<T>) => number): ThreadLoad<T> | undefined {
  let best: ThreadLoad<T> | undefined;
  for (const load of threads) if (!best || measure(load) < measure(best)) best = load;
  return best;
}

/**
 * Each thread's event-loop use over the last window: `sample()` (the pool calls it every second)
 * closes a window and opens the next. A thread counts as idle until its first window closes (a
 * thread just started has nothing to do).
 */
export class EventLoopMeter<T> {
  readonly #read: (thread: T) => EventLoopUtilization;
  readonly #windows = new Map<T, { start: EventLoopUtilization; busy: number }>();

  constructor(read: (thread: T) => EventLoopUtilization) {
    this.#read = read;
  }

  /** Closes each thread's window (and forgets threads no longer listed: they stopped). */
  sample(threads: readonly T[]): void {
    for (const known of this.#windows.keys()) if (!threads.includes(known)) this.#windows.delete(known);
    for (const thread of threads) {
      const reading = this.#read(thread);
      const window = this.#windows.get(thread);
      if (!window) {
        this.#windows.set(thread, { start: reading, busy: 0 });
        continue;
      }
      const active = reading.active - window.start.active;
      const idle = reading.idle - window.start.idle;
      window.busy = active + idle > 0 ? active / (active + idle) : 0;
      window.start = reading;
    }
  }

  busy(thread: T): number {
    return this.#windows.get(thread)?.busy ?? 0;
  }
}
