import { CoalescedReload } from '../lib/coalesced-reload.js';
import type { Library, LibrarySet } from '../../common/library.js';
import { element, formatElapsed } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { formatSize, formatTotal, formatWhen, isCuttable, isPlayable, setBadges, setDurationMs } from './library-format.js';
import type { LibraryPlayer } from './library-player.js';
import type { Thumbnails } from './thumbnails.js';

export interface LibraryViewElements {
  view: HTMLElement;
  heading: HTMLElement;
  /** "12 sets · 3.4 GB". */
  total: HTMLElement;
  refresh: HTMLButtonElement;
  /** Loading, or why the list could not be loaded (the node's message). */
  message: HTMLElement;
  empty: HTMLElement;
  list: HTMLElement;
}

export interface LibraryViewOptions {
  load: () => Promise<Library>;
  remove: (id: number) => Promise<void>;
  player: LibraryPlayer;
  confirm: ConfirmDialog;
  thumbnails: Thumbnails;
  /** "Cut a short" on a recording: the Shorts tab opens it in the clip editor. */
  cut?: (recordingId: number) => void;
}

/**
 * The busker's recorded sets, newest first: when, title, length, size, a still, and what went
 * wrong if anything did. Play opens the set in the player; Delete asks first, then removes the
 * set and its files on the node. The set on air is marked and cannot be deleted.
 */
export class LibraryView {
  readonly #el: LibraryViewElements;
  readonly #options: LibraryViewOptions;
  #library: Library | undefined;
  readonly #reload = new CoalescedReload(() => this.#load(), () => this.#closed);
  #closed = false;
  /** Ticks the live set's "so far" while the list shows one. */
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor(elements: LibraryViewElements, options: LibraryViewOptions) {
    this.#el = elements;
    this.#options = options;
    elements.refresh.addEventListener('click', this.#onRefresh);
  }

  /** Loads the list again; calls made while a load runs are folded into one more load. */
  refresh(): Promise<void> {
    return this.#reload.request();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#clock);
    this.#el.refresh.removeEventListener('click', this.#onRefresh);
  }

  readonly #onRefresh = (): void => void this.refresh();

  async #load(): Promise<void> {
    this.#el.view.dataset.state = 'loading';
    this.#el.refresh.disabled = true;
    if (!this.#library) this.#message('Loading your sets…');
    try {
      const library = await this.#options.load();
      if (this.#closed) return;
      this.#library = library;
      this.#message('');
      this.#render();
      this.#el.view.dataset.state = 'ready';
    } catch (error) {
      this.#message(`Could not load the library: ${messageOf(error)}`, true);
      this.#el.view.dataset.state = 'failed';
    } finally {
      this.#el.refresh.disabled = false;
    }
  }

  #render(): void {
    const library = this.#library;
    if (!library) return;
    this.#el.total.textContent = formatTotal(library.sets.length, library.totalBytes);
    this.#el.empty.hidden = library.sets.length > 0;
    this.#el.view.classList.toggle('is-empty', library.sets.length === 0);
    const now = Date.now();
    this.#el.list.replaceChildren(...library.sets.map((set) => this.#card(set, now)));
    const playing = this.#options.player.setId;
    if (playing !== undefined && !library.sets.some((set) => set.id === playing)) this.#options.player.clear();
    clearInterval(this.#clock);
    const live = library.sets.find((set) => set.live);
    if (live) this.#clock = setInterval(() => this.#tick(live), 1000);
  }

  #tick(live: LibrarySet): void {
    const duration = this.#el.list.querySelector(`.is-live [data-testid="library-set-duration"]`);
    if (duration) duration.textContent = formatElapsed(setDurationMs(live));
  }

  #card(set: LibrarySet, now: number): HTMLElement {
    const card = element('li', 'lib-set');
    card.dataset.testid = 'library-set';
    card.dataset.setId = String(set.id);
    if (set.live) card.classList.add('is-live');
    if (set.id === this.#options.player.setId) card.classList.add('is-playing');
    const title = set.title || 'Untitled set';
    const when = formatWhen(set.startedAt, now);

    // The still is the Play button: the biggest target on the card.
    const playable = set.recordings.find(isPlayable);
    const play = element('button', 'lib-thumb');
    play.type = 'button';
    play.dataset.testid = 'library-play';
    play.setAttribute('aria-label', `Play “${title}”, ${when}`);
    play.disabled = !playable;
    play.title = playable ? 'Play' : set.live ? 'On air now: plays here once the set ends' : 'Nothing to play';
    play.append(element('span', 'lib-thumb-icon', set.live ? 'LIVE' : playable ? '▶' : '—'));
    play.addEventListener('click', () => this.#play(set));
    if (playable) {
      void this.#options.thumbnails.get(playable).then((src) => {
        if (!src || !play.isConnected) return;
        const picture = element('img');
        picture.alt = '';
        picture.src = src;
        play.prepend(picture);
      });
    }

    const info = element('div', 'lib-info');
    const time = element('time', 'lib-when', when);
    time.dateTime = new Date(set.startedAt).toISOString();
    const heading = element('h3', `lib-title${set.title ? '' : ' is-untitled'}`, title);
    heading.dataset.testid = 'library-set-title';
    // Whole seconds, rounded down like the player's own controls show it.
    const duration = element('span', '', formatElapsed(setDurationMs(set, now)));
    duration.dataset.testid = 'library-set-duration';
    const finishing = set.live || set.recordings.some((r) => r.status === 'recording');
    const size = element('span', '', finishing && set.sizeBytes === 0 ? 'recording…' : formatSize(set.sizeBytes));
    size.dataset.testid = 'library-set-size';
    const facts = element('p', 'lib-facts');
    facts.append(duration, set.live ? ' so far · ' : ' · ', size);
    info.append(time, heading);
    if (set.hashtags.length > 0) info.append(element('p', 'lib-tags', set.hashtags.map((tag) => `#${tag}`).join(' ')));
    info.append(facts);
    const badges = setBadges(set);
    if (badges.length > 0) {
      const list = element('p', 'lib-badges');
      list.append(...badges.map((badge) => element('span', `badge badge-${badge.kind}`, badge.text)));
      info.append(list);
    }

    const actions = element('div', 'lib-actions');
    actions.append(...this.#cutButtons(set, `“${title}”, ${when}`));
    // The set on air cannot be deleted (the node would answer 409): no button to click.
    if (!set.live) {
      const remove = element('button', 'button button-small lib-delete', 'Delete');
      remove.type = 'button';
      remove.dataset.testid = 'library-delete';
      remove.setAttribute('aria-label', `Delete “${title}”, ${when}`);
      remove.addEventListener('click', () => void this.#delete(set, `${when} — ${title}`));
      actions.append(remove);
    }
    card.append(play, info, actions);
    return card;
  }

  /** One "Cut a short" per finished recording of the set ("Cut part 2" when it has several). */
  #cutButtons(set: LibrarySet, subject: string): HTMLButtonElement[] {
    const cut = this.#options.cut;
    if (!cut || set.live) return [];
    const several = set.recordings.length > 1;
    return set.recordings.flatMap((recording, index) => {
      if (!isCuttable(recording)) return [];
      const button = element('button', 'button button-small lib-cut', several ? `Cut part ${index + 1}` : 'Cut a short');
      button.type = 'button';
      button.dataset.testid = 'library-cut';
      button.dataset.recordingId = String(recording.id);
      button.setAttribute('aria-label', several ? `Cut a short from part ${index + 1} of ${subject}` : `Cut a short from ${subject}`);
      button.addEventListener('click', () => {
        this.#options.player.pause();
        cut(recording.id);
      });
      return [button];
    });
  }

  #play(set: LibrarySet): void {
    this.#options.player.show(set);
    for (const card of this.#el.list.children) {
      if (card instanceof HTMLElement) card.classList.toggle('is-playing', card.dataset.setId === String(set.id));
    }
  }

  async #delete(set: LibrarySet, subject: string): Promise<void> {
    const deleted = await this.#options.confirm.ask(subject, async () => {
      try {
        await this.#options.remove(set.id);
      } catch (error) {
        // The dialog shows the node's message; the list behind it catches up (the set may be gone, or now live).
        void this.refresh();
        throw error;
      }
    });
    if (!deleted || !this.#library) return;
    this.#library = {
      sets: this.#library.sets.filter((other) => other.id !== set.id),
      totalBytes: Math.max(0, this.#library.totalBytes - set.sizeBytes),
    };
    if (this.#options.player.setId === set.id) this.#options.player.clear();
    this.#render();
    this.#el.heading.focus();
  }

  #message(text: string, problem = false): void {
    this.#el.message.textContent = text;
    this.#el.message.hidden = text === '';
    this.#el.message.classList.toggle('problem', problem);
  }
}
