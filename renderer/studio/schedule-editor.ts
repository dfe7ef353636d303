import type { ScheduleInput, ScheduledSet } from '../../common/schedule.js';
import { element } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';

export interface ScheduleEditorElements {
  list: HTMLElement;
  empty: HTMLElement;
  /** Why the list could not be loaded or a set not deleted. */
  listError: HTMLElement;
  form: HTMLFormElement;
  /** `datetime-local`: the busker's own clock. */
  time: HTMLInputElement;
  title: HTMLInputElement;
  place: HTMLInputElement;
  add: HTMLButtonElement;
  note: HTMLElement;
  /** Why the set was not added (the node's message as is). */
  error: HTMLElement;
}

export interface ScheduleEditorOptions {
  load: () => Promise<ScheduledSet[]>;
  add: (input: ScheduleInput) => Promise<ScheduledSet>;
  remove: (id: number) => Promise<void>;
}

const WHEN = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});

/**
 * The busker's upcoming sets: the list (from GET /api/schedule and every `page` event), Delete on
 * each, and a form to add one. The time is typed on the laptop's clock and sent as ms since the epoch.
 */
export class ScheduleEditor {
  readonly #el: ScheduleEditorElements;
  readonly #options: ScheduleEditorOptions;

  constructor(elements: ScheduleEditorElements, options: ScheduleEditorOptions) {
    this.#el = elements;
    this.#options = options;
    elements.form.addEventListener('submit', this.#onSubmit);
    elements.form.addEventListener('input', this.#onInput);
    elements.time.addEventListener('focus', this.#setMin);
    this.#setMin();
    this.show([]);
  }

  async reload(): Promise<void> {
    try {
      this.show(await this.#options.load());
      this.#listError('');
    } catch (error) {
      this.#listError(`Could not load the schedule: ${messageOf(error)}`);
    }
  }

  /** Upcoming sets, soonest first (as the node sends them). */
  show(schedule: ScheduledSet[]): void {
    this.#el.list.replaceChildren(...schedule.map((set) => this.#item(set)));
    this.#el.empty.hidden = schedule.length > 0;
  }

  close(): void {
    this.#el.form.removeEventListener('submit', this.#onSubmit);
    this.#el.form.removeEventListener('input', this.#onInput);
    this.#el.time.removeEventListener('focus', this.#setMin);
  }

  readonly #onInput = (): void => {
    this.#showError('');
    this.#el.note.textContent = '';
  };

  readonly #onSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const startsAt = localDateTimeToMs(this.#el.time.value);
    if (startsAt === undefined) {
      this.#showError('Pick the day and time the set starts.');
      this.#el.time.focus();
      return;
    }
    this.#el.add.disabled = true;
    this.#showError('');
    this.#el.note.textContent = 'Adding…';
    try {
      await this.#options.add({ startsAt, title: this.#el.title.value, place: this.#el.place.value });
      this.#el.form.reset();
      this.#el.note.textContent = 'Added — it is on your page';
      await this.reload();
    } catch (error) {
      this.#el.note.textContent = '';
      this.#showError(messageOf(error));
    } finally {
      this.#el.add.disabled = false;
    }
  };

  /** The picker starts at the current minute: the past cannot be scheduled. */
  readonly #setMin = (): void => {
    this.#el.time.min = toLocalDateTime(Date.now());
  };

  #item(set: ScheduledSet): HTMLLIElement {
    const item = element('li', 'schedule-item');
    item.dataset.testid = 'schedule-item';
    item.dataset.id = String(set.id);
    const when = element('time', 'schedule-when', WHEN.format(set.startsAt));
    when.dateTime = new Date(set.startsAt).toISOString();
    when.dataset.testid = 'schedule-when';
    const info = element('div', 'schedule-info');
    const title = element('p', `schedule-title${set.title ? '' : ' is-untitled'}`, set.title || 'Untitled set');
    title.dataset.testid = 'schedule-item-title';
    info.append(title);
    if (set.place) {
      const place = element('p', 'schedule-place', set.place);
      place.dataset.testid = 'schedule-item-place';
      info.append(place);
    }
    const remove = element('button', 'button button-small', 'Delete');
    remove.type = 'button';
    remove.dataset.testid = 'schedule-delete';
    remove.setAttribute('aria-label', `Delete the set “${set.title || 'Untitled set'}”, ${WHEN.format(set.startsAt)}`);
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      this.#listError('');
      try {
        await this.#options.remove(set.id);
        item.remove();
        this.#el.empty.hidden = this.#el.list.childElementCount > 0;
      } catch (error) {
        this.#listError(messageOf(error));
        remove.disabled = false;
      }
    });
    item.append(when, info, remove);
    return item;
  }

  #showError(message: string): void {
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }

  #listError(message: string): void {
    this.#el.listError.textContent = message;
    this.#el.listError.hidden = message === '';
  }
}

/** A `datetime-local` value ("2025-06-14T18:30") on this device's clock → ms since the epoch. */
export function localDateTimeToMs(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return undefined;
  const part = (index: number) => Number(match[index] ?? 0);
  const ms = new Date(part(1), part(2) - 1, part(3), part(4), part(5), part(6)).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** ms since the epoch → a `datetime-local` value on this device's clock, to the minute. */
function toLocalDateTime(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}
