import type { EventLoopUtilization } from 'node:perf_hooks';

/**
 * Which forwarding thread a new viewer goes to.
 *
 * - `pack` (the default): the first thread (in order) whose event loop was less than
 *   PACK_UNTIL_BUSY busy over the last second takes it; only when every thread is that busy does
 *   the least busy one. A small audience then runs on one thread, as cheaply as with one: the
 *   scaling bench measured 17% more CPU per viewer with 40 viewers split over two threads than on
 *   one (each thread parses every packet, and both compete for the cores). A large audience still
 *   gets every thread.
 * - `even`: the thread with the fewest of this set's viewers (the scaling bench, which measures
 *   how the work splits, and tests of the spreading itself).
 */
export type ThreadPlacement = 'pack' | 'even';

export const THREAD_PLACEMENTS: readonly ThreadPlacement[] = ['pack', 'even'];

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
