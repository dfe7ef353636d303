import { EventEmitter } from 'node:events';
import {
  SCHEDULE_GRACE_MS,
  SCHEDULE_HORIZON_MS,
  SCHEDULE_MAX,
  STARTING_SOON_MS,
  type ScheduleInput,
  type ScheduledSet,
} from '../../common/schedule.js';
import type { WritableDB } from '../library/database.js';
import {
  deleteScheduledSet,
  insertScheduledSet,
  markAnnounced,
  markStarted,
  upcomingScheduledSets,
  type ScheduleRow,
} from '../library/schedule.js';
import { BadRequestError } from '../errors.js';

/** The clock and timer the scheduler uses; tests pass a fake one. */
export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: Date.now,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** setTimeout's longest delay (~24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A set going live this close to a scheduled start (before or after) is that scheduled set. */
const START_MATCH_BEFORE_MS = 15 * 60_000;

type SchedulerEvents = {
  /** A scheduled set starts within five minutes (once per set). */
  'starting-soon': [ScheduledSet];
  /** The upcoming list changed: added, deleted, started or past its grace. */
  changed: [];
};

/**
 * Owns every timer of the busker's schedule: exactly one, armed for the next thing that happens
 * (a "starting soon" notice or a set leaving the list). The schedule lives in the library, so a
 * restarted node reloads it with `start()` and does not announce twice.
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  #timer: unknown;
  #closed = false;

  constructor(
    private readonly db: WritableDB,
    private readonly clock: SchedulerClock = systemClock,
  ) {
    super();
  }

  /** Loads the schedule and arms the timer; announces anything due while the node was down. */
  start(): void {
    this.#fire();
  }

  /** Whether a timer is pending (for tests: none after close or with nothing scheduled). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  upcoming(): ScheduledSet[] {
    return this.#rows().map(({ announcedAt: _announced, ...set }) => set);
  }

  add(input: ScheduleInput): ScheduledSet {
    const now = this.clock.now();
    if (input.startsAt <= now) throw new BadRequestError('That time has already passed.', 'in_the_past');
    if (input.startsAt > now + SCHEDULE_HORIZON_MS) throw new BadRequestError('Schedule at most a year ahead.', 'too_far');
    if (this.#rows().length >= SCHEDULE_MAX) {
      throw new BadRequestError(`At most ${SCHEDULE_MAX} upcoming sets; delete one first.`, 'schedule_full');
    }
    const { announcedAt: _announced, ...set } = insertScheduledSet(this.db, input, now);
    this.#changed();
    return set;
  }

  remove(id: number): boolean {
    if (!deleteScheduledSet(this.db, id)) return false;
    this.#changed();
    return true;
  }

  /** A set went live: the scheduled set it fulfils (if any) leaves the list. */
  setStarted(setId: number): void {
    const now = this.clock.now();
    const match = this.#rows().find((row) => row.startsAt <= now + START_MATCH_BEFORE_MS);
    if (!match) return;
    markStarted(this.db, match.id, setId);
    this.#changed();
  }

  close(): void {
    this.#closed = true;
    this.#disarm();
    this.removeAllListeners();
  }

  #rows(): ScheduleRow[] {
    return upcomingScheduledSets(this.db, this.clock.now() - SCHEDULE_GRACE_MS);
  }

  #changed(): void {
    this.emit('changed');
    this.#arm();
  }

  /** Does whatever is due now, then arms the timer for what comes next. */
  #fire(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const now = this.clock.now();
    const rows = this.#rows();
    for (const row of rows) {
      if (row.announcedAt !== null || row.startsAt - STARTING_SOON_MS > now) continue;
      markAnnounced(this.db, row.id, now);
      row.announcedAt = now;
      const { announcedAt: _announced, ...set } = row;
      this.emit('starting-soon', set);
    }
    // A set past its grace period left the list: pages must hear of it.
    const listed = rows.map((row) => row.id).join(',');
    if (this.#listed !== undefined && listed !== this.#listed) this.emit('changed');
    this.#listed = listed;
    this.#arm(rows);
  }

  /** The ids last announced as the upcoming list (undefined before the first fire). */
  #listed: string | undefined;

  #arm(rows = this.#rows()): void {
    this.#disarm();
    if (this.#closed) return;
    this.#listed = rows.map((row) => row.id).join(',');
    const times = rows.flatMap((row) =>
      row.announcedAt === null ? [row.startsAt - STARTING_SOON_MS, row.startsAt + SCHEDULE_GRACE_MS] : [row.startsAt + SCHEDULE_GRACE_MS],
    );
    if (times.length === 0) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...times) - this.clock.now()));
    this.#timer = this.clock.setTimeout(() => this.#fire(), delay);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
