import type { ScheduledSet } from '../../common/schedule.js';

export interface NoticeBannerElements {
  root: HTMLElement;
  text: HTMLElement;
  dismiss: HTMLButtonElement;
}

/**
 * "“Evening jazz” starts in 5 minutes": the node's heads-up before a scheduled set, to everyone
 * with the page open. Dismissed notices stay dismissed (per set); none shows while live.
 */
export class NoticeBanner {
  readonly #el: NoticeBannerElements;
  readonly #dismissed = new Set<number>();
  #shown: ScheduledSet | undefined;
  #live = false;

  constructor(elements: NoticeBannerElements) {
    this.#el = elements;
    elements.dismiss.addEventListener('click', this.#onDismiss);
    this.#render();
  }

  startingSoon(set: ScheduledSet): void {
    if (this.#dismissed.has(set.id)) return;
    this.#shown = set;
    // Worked out from the set's start, not taken as "5": a late-scheduled set may be 2 minutes off.
    const minutes = Math.round((set.startsAt - Date.now()) / 60_000);
    const title = set.title ? `“${set.title}”` : 'The next set';
    this.#el.text.textContent =
      minutes >= 1 ? `${title} starts in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}` : `${title} is starting now`;
    this.#render();
  }

  setLive(live: boolean): void {
    this.#live = live;
    // The set it announced has begun (or another one did): the heads-up is spent.
    if (live) this.#shown = undefined;
    this.#render();
  }

  close(): void {
    this.#el.dismiss.removeEventListener('click', this.#onDismiss);
  }

  readonly #onDismiss = (): void => {
    if (this.#shown) this.#dismissed.add(this.#shown.id);
    this.#shown = undefined;
    this.#render();
  };

  #render(): void {
    this.#el.root.hidden = this.#live || !this.#shown;
  }
}
