import { afterEach, describe, expect, it } from 'vitest';
import { SCHEDULE_GRACE_MS, STARTING_SOON_MS, type ScheduledSet } from '../../../common/schedule.js';
import { Scheduler } from '../../../server/audience/scheduler.js';
import { openLibraryDatabase, type WritableDB } from '../../../server/library/database.js';
import { startSet } from '../../../server/library/sets.js';
import { FakeClock } from './fake-clock.js';

const MINUTE = 60_000;

describe('Scheduler', () => {
  const dbs: WritableDB[] = [];
  afterEach(() => dbs.splice(0).forEach((db) => db.close()));

  function setup(clock = new FakeClock(), db = openLibraryDatabase(':memory:')) {
    dbs.push(db);
    const scheduler = new Scheduler(db, clock);
    const notices: ScheduledSet[] = [];
    let changes = 0;
    scheduler.on('starting-soon', (set) => notices.push(set));
    scheduler.on('changed', () => changes++);
    scheduler.start();
    return { clock, db, scheduler, notices, changes: () => changes };
  }

  it('announces a set once, five minutes before it starts, with one timer armed at a time', () => {
    const { clock, scheduler, notices } = setup();
    expect(scheduler.armed).toBe(false);
    const set = scheduler.add({ startsAt: clock.now() + 60 * MINUTE, title: 'Evening set', place: 'Pont Neuf' });
    expect(scheduler.armed).toBe(true);
    expect(clock.timers.size).toBe(1);
    clock.advance(55 * MINUTE - 1);
    expect(notices).toEqual([]);
    clock.advance(1);
    expect(notices).toEqual([set]);
    clock.advance(10 * MINUTE);
    expect(notices).toHaveLength(1);
    expect(clock.timers.size).toBe(1);
  });

  it('announces at once a set scheduled less than five minutes ahead', () => {
    const { clock, scheduler, notices } = setup();
    scheduler.add({ startsAt: clock.now() + 2 * MINUTE, title: 'Now-ish', place: '' });
    clock.advance(0);
    expect(notices.map((n) => n.title)).toEqual(['Now-ish']);
  });

  it('keeps a set listed through its grace period, then drops it and tells the pages', () => {
    const { clock, scheduler, changes } = setup();
    scheduler.add({ startsAt: clock.now() + 10 * MINUTE, title: 'A', place: '' });
    const before = changes();
    clock.advance(10 * MINUTE + SCHEDULE_GRACE_MS - 1);
    expect(scheduler.upcoming()).toHaveLength(1);
    clock.advance(1);
    expect(scheduler.upcoming()).toHaveLength(0);
    expect(changes()).toBe(before + 1);
    expect(scheduler.armed).toBe(false);
  });

  it('leaves no timer behind when the only scheduled set is deleted, or on close', () => {
    const { clock, scheduler, notices } = setup();
    const set = scheduler.add({ startsAt: clock.now() + 30 * MINUTE, title: 'B', place: '' });
    expect(clock.timers.size).toBe(1);
    expect(scheduler.remove(set.id)).toBe(true);
    expect(clock.timers.size).toBe(0);
    expect(scheduler.remove(set.id)).toBe(false);
    clock.advance(60 * MINUTE);
    expect(notices).toEqual([]);
    scheduler.add({ startsAt: clock.now() + 30 * MINUTE, title: 'C', place: '' });
    scheduler.close();
    expect(clock.timers.size).toBe(0);
  });

  it('survives a restart: reloads from the library and does not announce twice', () => {
    const clock = new FakeClock();
    const first = setup(clock);
    first.scheduler.add({ startsAt: clock.now() + 3 * MINUTE, title: 'Announced', place: '' });
    first.scheduler.add({ startsAt: clock.now() + 20 * MINUTE, title: 'Later', place: '' });
    clock.advance(0);
    expect(first.notices.map((n) => n.title)).toEqual(['Announced']);
    first.scheduler.close();

    // The node restarts ten minutes later: "Announced" was announced already; "Later" is 10 min away.
    clock.advance(10 * MINUTE);
    const second = setup(clock, first.db);
    expect(second.scheduler.upcoming().map((s) => s.title)).toEqual(['Announced', 'Later']);
    clock.advance(0);
    expect(second.notices).toEqual([]);
    clock.advance(5 * MINUTE);
    expect(second.notices.map((n) => n.title)).toEqual(['Later']);
  });

  it('announces on start-up a set that came due while the node was down', () => {
    const clock = new FakeClock();
    const first = setup(clock);
    first.scheduler.add({ startsAt: clock.now() + 30 * MINUTE, title: 'Missed window', place: '' });
    first.scheduler.close();
    clock.advance(27 * MINUTE);
    const second = setup(clock, first.db);
    expect(second.notices.map((n) => n.title)).toEqual(['Missed window']);
  });

  it('takes a set off the list when the busker goes live for it', () => {
    const { clock, db, scheduler } = setup();
    scheduler.add({ startsAt: clock.now() + 10 * MINUTE, title: 'Soon', place: '' });
    scheduler.add({ startsAt: clock.now() + 24 * 60 * MINUTE, title: 'Tomorrow', place: '' });
    const setId = startSet(db, { title: '', hashtags: [], description: '' }, clock.now());
    scheduler.setStarted(setId);
    expect(scheduler.upcoming().map((s) => s.title)).toEqual(['Tomorrow']);
    // Going live again today does not eat tomorrow's set.
    scheduler.setStarted(startSet(db, { title: '', hashtags: [], description: '' }, clock.now()));
    expect(scheduler.upcoming().map((s) => s.title)).toEqual(['Tomorrow']);
  });

  it('arms far-future sets in steps setTimeout can take (it overflows past ~24.8 days)', () => {
    const { clock, scheduler, notices } = setup();
    scheduler.add({ startsAt: clock.now() + 90 * 24 * 60 * MINUTE, title: 'Festival', place: '' });
    const [timer] = [...clock.timers.values()];
    expect(timer!.at - clock.now()).toBe(2 ** 31 - 1);
    clock.advance(90 * 24 * 60 * MINUTE - STARTING_SOON_MS);
    expect(notices.map((n) => n.title)).toEqual(['Festival']);
  });

  it('refuses the past, more than a year ahead', () => {
    const { clock, scheduler } = setup();
    expect(() => scheduler.add({ startsAt: clock.now() - 1, title: '', place: '' })).toThrow(/already passed/);
    expect(() => scheduler.add({ startsAt: clock.now() + 400 * 24 * 60 * MINUTE, title: '', place: '' })).toThrow(/a year/);
  });
});
