import { CoalescedReload } from '../lib/coalesced-reload.js';
import type { Clip, ClipUpdate, Comment, Short } from '../../common/clips.js';
import { NodeError, messageOf } from '../lib/node-error.js';
import { formatWhen } from './library-format.js';
import { ShortCard } from './shorts-card.js';
import { byNewest, clipTitle, galleryTotal } from './shorts-format.js';

export interface ShortsGalleryElements {
  /** The gallery's card: `data-state` is loading, ready or failed. */
  view: HTMLElement;
  heading: HTMLElement;
  /** "3 shorts · 24.1 MB · 1 on your page". */
  total: HTMLElement;
  refresh: HTMLButtonElement;
  /** "Loading your shorts…". */
  message: HTMLElement;
  /** Why something did not work, in the node's words. */
  error: HTMLElement;
  empty: HTMLElement;
  list: HTMLElement;
}

export interface ShortsGalleryOptions {
  loadClips: () => Promise<Clip[]>;
  /** The published shorts with their latest comments (public). */
  loadShorts: () => Promise<Short[]>;
  update: (id: number, update: ClipUpdate) => Promise<Clip>;
  remove: (id: number) => Promise<void>;
  removeComment: (shortId: number, commentId: number) => Promise<void>;
  /** Asks before deleting; resolves true once `run` succeeded. */
  confirm: (subject: string, run: () => Promise<void>) => Promise<boolean>;
}

/**
 * The busker's clips and shorts, newest first (one ShortCard each), with the comments of those
 * published. Loads both lists on `refresh`; takes the `shorts` list and comment events as they come.
 * Cards are kept and updated in place, so a refresh does not stop a video or an open rename.
 */
export class ShortsGallery {
  readonly #el: ShortsGalleryElements;
  readonly #options: ShortsGalleryOptions;
  readonly #cards = new Map<number, ShortCard>();
  #clips: Clip[] | undefined;
  /** The published shorts by id, as viewers see them (for their comments). */
  #public = new Map<number, Short>();
  readonly #reload = new CoalescedReload(() => this.#load(), () => this.#closed);
  #closed = false;
  /** The error line shows a failed load (cleared by the next good one) or a refused action. */
  #errorFrom: 'load' | 'action' | undefined;

  constructor(elements: ShortsGalleryElements, options: ShortsGalleryOptions) {
    this.#el = elements;
    this.#options = options;
    elements.refresh.addEventListener('click', this.#onRefresh);
  }

  /** Loads both lists again; calls made while a load runs are folded into one more load. */
  refresh(): Promise<void> {
    return this.#reload.request();
  }

  /** A clip just made (the editor's export, a finished fast copy): at the top at once, then the node's list. */
  added(clip: Clip): void {
    if (this.#clips) {
      this.#clips = [clip, ...this.#clips.filter((other) => other.id !== clip.id)].sort(byNewest);
      this.#render();
    }
    // A moment of colour (once: a panel shown again would replay it).
    const item = this.#cards.get(clip.id)?.item;
    if (item && !item.classList.contains('is-new')) {
      item.classList.add('is-new');
      item.addEventListener('animationend', () => item.classList.remove('is-new'), { once: true });
    }
    void this.refresh();
  }

  /** The `shorts` event: the published list changed (or the socket connected). */
  shorts(shorts: readonly Short[]): void {
    this.#takeShorts(shorts);
    this.#renderComments();
    void this.refresh();
  }

  /** A new comment (`comment` event). */
  comment(shortId: number, comment: Comment): void {
    const short = this.#public.get(shortId);
    if (short && !short.comments.some((other) => other.id === comment.id)) short.comments = [...short.comments, comment];
    this.#cards.get(shortId)?.addComment(comment);
  }

  /** A comment was deleted (`comment-deleted`): unknown ids are ignored. */
  commentDeleted(shortId: number, id: number): void {
    const short = this.#public.get(shortId);
    if (short) short.comments = short.comments.filter((comment) => comment.id !== id);
    this.#cards.get(shortId)?.removeComment(id);
  }

  /** The tab was left: no sound from here. */
  pause(): void {
    for (const card of this.#cards.values()) card.pause();
  }

  close(): void {
    this.#closed = true;
    this.#el.refresh.removeEventListener('click', this.#onRefresh);
    for (const card of this.#cards.values()) card.close();
  }

  readonly #onRefresh = (): void => void this.refresh();

  async #load(): Promise<void> {
    this.#el.view.dataset.state = 'loading';
    this.#el.refresh.disabled = true;
    if (!this.#clips) this.#message('Loading your shorts…');
    const [clips, shorts] = await Promise.allSettled([this.#options.loadClips(), this.#options.loadShorts()]);
    this.#el.refresh.disabled = false;
    if (this.#closed) return;
    if (shorts.status === 'fulfilled') this.#takeShorts(shorts.value);
    if (clips.status === 'rejected') {
      this.#message('');
      this.#report(`Could not load your shorts: ${messageOf(clips.reason)}`, 'load');
      this.#el.view.dataset.state = 'failed';
      return;
    }
    this.#clips = [...clips.value].sort(byNewest);
    this.#message('');
    if (shorts.status === 'rejected') this.#report(`Could not load the comments: ${messageOf(shorts.reason)}`, 'load');
    else if (this.#errorFrom === 'load') this.#report('');
    this.#render();
    this.#el.view.dataset.state = 'ready';
  }

  #takeShorts(shorts: readonly Short[]): void {
    this.#public = new Map(shorts.map((short) => [short.id, { ...short, comments: [...short.comments] }]));
  }

  #render(): void {
    const clips = this.#clips;
    if (!clips) return;
    this.#el.total.textContent = galleryTotal(clips);
    this.#el.empty.hidden = clips.length > 0;
    const ids = new Set(clips.map((clip) => clip.id));
    for (const [id, card] of this.#cards) {
      if (ids.has(id)) continue;
      card.close();
      card.item.remove();
      this.#cards.delete(id);
    }
    clips.forEach((clip, index) => {
      let card = this.#cards.get(clip.id);
      if (card) card.show(clip);
      else {
        card = this.#card(clip);
        this.#cards.set(clip.id, card);
      }
      const short = this.#public.get(clip.id);
      if (short) card.showComments(short.comments);
      // Moved only when out of place: moving a playing <video> in the page would pause it.
      const at = this.#el.list.children[index];
      if (at !== card.item) this.#el.list.insertBefore(card.item, at ?? null);
    });
  }

  #renderComments(): void {
    for (const [id, short] of this.#public) this.#cards.get(id)?.showComments(short.comments);
  }

  #card(clip: Clip): ShortCard {
    return new ShortCard(clip, {
      update: (id, update) => {
        this.#clearActionError();
        return this.#options.update(id, update);
      },
      changed: (changed) => {
        if (!this.#clips) return;
        this.#clips = this.#clips.map((other) => (other.id === changed.id ? changed : other));
        this.#el.total.textContent = galleryTotal(this.#clips);
      },
      remove: (target) => void this.#delete(target),
      removeComment: (shortId, commentId) => {
        this.#clearActionError();
        return this.#options.removeComment(shortId, commentId);
      },
      playing: (playing) => {
        for (const card of this.#cards.values()) if (card !== playing) card.pause();
      },
      report: (message) => this.#report(message, 'action'),
    });
  }

  async #delete(clip: Clip): Promise<void> {
    this.#clearActionError();
    const deleted = await this.#options.confirm(`${formatWhen(clip.createdAt)} — ${clipTitle(clip)}`, async () => {
      try {
        await this.#options.remove(clip.id);
      } catch (error) {
        // Gone already (another tab deleted it): what the busker wanted.
        if (error instanceof NodeError && error.status === 404) return;
        // The dialog shows the node's message; the list behind it catches up.
        void this.refresh();
        throw error;
      }
    });
    if (!deleted || !this.#clips) return;
    this.#clips = this.#clips.filter((other) => other.id !== clip.id);
    this.#public.delete(clip.id);
    this.#render();
    this.#el.heading.focus();
  }

  #clearActionError(): void {
    if (this.#errorFrom === 'action') this.#report('');
  }

  #report(message: string, from?: 'load' | 'action'): void {
    this.#errorFrom = message ? from : undefined;
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }

  #message(text: string): void {
    this.#el.message.textContent = text;
    this.#el.message.hidden = text === '';
  }
}
