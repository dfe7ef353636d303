import type { ScheduledSet } from '../../common/schedule.js';
import { element, formatElapsed } from '../lib/dom.js';
import { SCHEDULE_GRACE_MS } from '../../common/limits.js';

export interface ScheduleViewElements {
  /** The next set's card. */
  nextSet: HTMLElement;
  title: HTMLElement;
  place: HTMLElement;
  when: HTMLTimeElement;
  countdown: HTMLElement;
  /** The sets after that, one line each. */
  later: HTMLElement;
  laterList: HTMLUListElement;
}

/** Sets listed after the next one: a glance ahead, not a calendar. */
const LATER_SHOWN = 5;
const TWO_DAYS_MS = 48 * 3600_000;

/**
 * While offline: when the busker plays next (with a countdown) and a few sets after that. Hidden
 * while live — the page is the set then. One interval timer, only while a countdown is on show.
 */
export class ScheduleView {
  readonly #el: ScheduleViewElements;
  #sets: ScheduledSet[] = [];
  #live = false;
  /** The set the card counts down to, if any. */
  #next: ScheduledSet | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(elements: ScheduleViewElements) {
    this.#el = elements;
    this.#render();
  }

  /** Upcoming sets, soonest first (the `page` event). */
  setSchedule(sets: ScheduledSet[]): void {
    this.#sets = sets;
    this.#render();
  }

  setLive(live: boolean): void {
    if (live === this.#live) return;
    this.#live = live;
    this.#render();
  }

  close(): void {
    this.#stopTimer();
  }

  #render(): void {
    // A set long past its start is not "next" any more, whether or not a new page event came.
    const now = Date.now();
    const upcoming = this.#sets.filter((set) => set.startsAt + SCHEDULE_GRACE_MS > now);
    const next = this.#live ? undefined : upcoming[0];
    this.#next = next;
    const { nextSet, title, place, when, later, laterList } = this.#el;
    nextSet.hidden = !next;
    if (!next) {
      this.#stopTimer();
    } else {
      title.textContent = next.title || 'The next set';
      place.textContent = next.place;
      place.hidden = next.place === '';
      when.textContent = formatWhen(next.startsAt, now);
      when.dateTime = new Date(next.startsAt).toISOString();
      this.#tick();
      this.#timer ??= setInterval(this.#tick, 1000);
    }
    const rest = this.#live ? [] : upcoming.slice(1, 1 + LATER_SHOWN);
    laterList.replaceChildren(...rest.map((set) => laterItem(set, now)));
    later.hidden = rest.length === 0;
  }

  readonly #tick = (): void => {
    const next = this.#next;
    if (!next) return this.#stopTimer();
    // Past its grace time: the card moves on to the set after it.
    if (next.startsAt + SCHEDULE_GRACE_MS <= Date.now()) return this.#render();
    this.#el.countdown.textContent = countdownText(next.startsAt - Date.now());
  };

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** "starts in 4:59", "starts in 26:03:10", "starts in 3 days", then "starting any moment". */
export function countdownText(msLeft: number): string {
  if (msLeft <= 0) return 'starting any moment';
  if (msLeft >= TWO_DAYS_MS) return `starts in ${Math.floor(msLeft / (24 * 3600_000))} days`;
  return `starts in ${formatElapsed(msLeft)}`;
}

/** "Today, 18:30", "Tomorrow, 18:30", or "Sat 14 Jun, 18:30", in the phone's own language and zone. */
function formatWhen(startsAt: number, now: number): string {
  const start = new Date(startsAt);
  const time = start.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const days = dayNumber(start) - dayNumber(new Date(now));
  if (days === 0) return `Today, ${time}`;
  if (days === 1) return `Tomorrow, ${time}`;
  const date = start.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  return `${date}, ${time}`;
}

/** Local calendar day, as a count: the difference of two is "today"/"tomorrow" across DST too. */
function dayNumber(date: Date): number {
  return Math.round(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / 86_400_000);
}

function laterItem(set: ScheduledSet, now: number): HTMLLIElement {
  const item = element('li', 'later-set');
  item.dataset.testid = 'schedule-item';
  item.append(element('span', 'later-when', formatWhen(set.startsAt, now)));
  item.append(element('span', 'later-title', set.title || 'A set'));
  if (set.place) item.append(element('span', 'later-place', set.place));
  return item;
}
