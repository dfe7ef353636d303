import type { Clip, ClipUpdate, Comment } from '../../common/clips.js';
import { element } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';
import { formatWhen } from './library-format.js';
import { ShortComments } from './shorts-comments.js';
import { clipDuration, clipSize, clipTitle, modeLabel } from './shorts-format.js';
import { ShortRename } from './shorts-rename.js';

export interface ShortCardOptions {
  /** PATCH /api/clips/:id: the clip as the node has it now, or throws the node's refusal. */
  update: (id: number, update: ClipUpdate) => Promise<Clip>;
  /** The node took a change made on this card. */
  changed: (clip: Clip) => void;
  /** Delete was clicked (the gallery asks first). */
  remove: (clip: Clip) => void;
  /** DELETE one comment of this short. */
  removeComment: (shortId: number, commentId: number) => Promise<void>;
  /** This card's video started: the gallery pauses the others. */
  playing: (card: ShortCard) => void;
  /** Something went wrong, in the node's words (the gallery's error line). */
  report: (message: string) => void;
}

/**
 * One clip in the gallery: play it inline, rename it, publish it on the busker's page or keep it
 * private, delete it; under a published short, its comments. `show` takes the node's newer copy
 * in place, so a refresh never stops a playing video or an open rename.
 */
export class ShortCard {
  readonly item: HTMLLIElement;
  readonly #options: ShortCardOptions;
  #clip: Clip;
  readonly #media: HTMLElement;
  readonly #play: HTMLButtonElement;
  #video: HTMLVideoElement | undefined;
  readonly #rename: ShortRename;
  readonly #mode: HTMLElement;
  readonly #duration: HTMLElement;
  readonly #size: HTMLElement;
  readonly #when: HTMLTimeElement;
  readonly #publish: HTMLInputElement;
  readonly #publishState: HTMLElement;
  readonly #delete: HTMLButtonElement;
  readonly #comments: ShortComments;
  #publishing = false;

  constructor(clip: Clip, options: ShortCardOptions) {
    this.#clip = clip;
    this.#options = options;
    this.item = element('li', 'short-card');
    this.item.dataset.testid = 'short-item';

    this.#media = element('div', 'short-media');
    this.#play = element('button', 'short-play');
    this.#play.type = 'button';
    this.#play.dataset.testid = 'short-play';
    this.#play.append(element('span', 'short-play-icon', '▶'));
    this.#play.addEventListener('click', () => this.#startPlaying());
    this.#media.append(this.#play);

    const body = element('div', 'short-body');
    this.#rename = new ShortRename(clip.title, {
      save: (title) => this.#save({ title }),
      report: (message) => options.report(message),
    });
    this.#mode = element('span', 'badge short-mode');
    this.#mode.dataset.testid = 'short-mode';
    this.#duration = element('span');
    this.#duration.dataset.testid = 'short-duration';
    this.#size = element('span');
    this.#size.dataset.testid = 'short-size';
    this.#when = element('time', 'short-when');
    const facts = element('p', 'short-facts');
    facts.append(this.#mode, this.#duration, ' · ', this.#size);

    const actions = element('div', 'short-actions');
    const publish = element('label', 'check short-publish');
    this.#publish = element('input');
    this.#publish.type = 'checkbox';
    this.#publish.setAttribute('role', 'switch');
    this.#publish.dataset.testid = 'short-publish';
    this.#publish.addEventListener('change', () => void this.#togglePublished());
    this.#publishState = element('span', 'short-publish-state');
    this.#publishState.dataset.testid = 'short-publish-state';
    publish.append(this.#publish, this.#publishState);
    this.#delete = element('button', 'button button-small short-delete', 'Delete');
    this.#delete.type = 'button';
    this.#delete.dataset.testid = 'short-delete';
    this.#delete.addEventListener('click', () => options.remove(this.#clip));
    actions.append(publish, this.#delete);

    this.#comments = new ShortComments({
      remove: (commentId) => options.removeComment(this.#clip.id, commentId),
      report: (message) => options.report(message),
      onRemoved: () => this.#countComments(-1),
    });

    body.append(this.#rename.element, facts, this.#when, actions);
    this.item.append(this.#media, body, this.#comments.element);
    this.show(clip);
  }

  get clip(): Clip {
    return this.#clip;
  }

  /** The node's current copy of this clip. */
  show(clip: Clip): void {
    this.#clip = clip;
    const title = clipTitle(clip);
    this.item.dataset.clipId = String(clip.id);
    this.item.dataset.mode = clip.mode;
    this.item.dataset.published = String(clip.published);
    this.item.classList.toggle('is-published', clip.published);
    this.#media.dataset.mode = clip.mode;
    this.#play.setAttribute('aria-label', `Play “${title}”`);
    this.#rename.show(clip.title);
    const mode = modeLabel(clip.mode);
    this.#mode.textContent = mode.text;
    this.#mode.title = mode.hint;
    this.#mode.classList.toggle('badge-vertical', clip.mode === 'vertical');
    this.#duration.textContent = clipDuration(clip);
    this.#size.textContent = clipSize(clip);
    this.#when.textContent = `Made ${formatWhen(clip.createdAt)}`;
    this.#when.dateTime = new Date(clip.createdAt).toISOString();
    this.#delete.setAttribute('aria-label', `Delete “${title}”`);
    this.#publish.setAttribute('aria-label', `Show “${title}” on your page`);
    if (!this.#publishing) this.#showPublished(clip.published);
    this.#comments.element.hidden = !clip.published;
    this.#comments.setTotal(Math.max(clip.comments, this.#comments.size));
  }

  /** The latest comments from the public list (oldest first). */
  showComments(comments: readonly Comment[]): void {
    this.#comments.replace(comments);
    this.#comments.setTotal(Math.max(this.#clip.comments, this.#comments.size));
  }

  addComment(comment: Comment): void {
    if (this.#comments.add(comment)) this.#countComments(1);
  }

  removeComment(id: number): void {
    if (this.#comments.remove(id)) this.#countComments(-1);
  }

  pause(): void {
    this.#video?.pause();
  }

  close(): void {
    if (!this.#video) return;
    this.#video.pause();
    this.#video.removeAttribute('src');
    this.#video.load();
  }

  #countComments(step: number): void {
    this.#clip = { ...this.#clip, comments: Math.max(0, this.#clip.comments + step) };
    this.#comments.setTotal(Math.max(this.#clip.comments, this.#comments.size));
    this.#options.changed(this.#clip);
  }

  /** The first Play swaps the button for the video (its own controls from then on). */
  #startPlaying(): void {
    if (!this.#video) {
      const video = element('video', 'short-video');
      video.dataset.testid = 'short-player';
      video.controls = true;
      video.playsInline = true;
      video.preload = 'metadata';
      video.addEventListener('play', () => this.#options.playing(this));
      video.addEventListener('error', () => {
        // Signed links last hours; the gallery's Refresh brings fresh ones.
        this.#options.report(`“${clipTitle(this.#clip)}” could not be played. Its link may have expired: click Refresh and try again.`);
        this.#video?.remove();
        this.#video = undefined;
        this.#play.hidden = false;
      });
      video.src = this.#clip.mediaUrl;
      this.#video = video;
      this.#media.append(video);
    }
    this.#play.hidden = true;
    // A click started this, so the browser lets it play with sound.
    this.#video.play().catch(() => undefined);
    this.#video.focus();
  }

  async #togglePublished(): Promise<void> {
    const published = this.#publish.checked;
    this.#publishing = true;
    this.#publish.disabled = true;
    this.#publishState.textContent = published ? 'Publishing…' : 'Making it private…';
    await this.#save({ published });
    this.#publishing = false;
    this.#publish.disabled = false;
    // What the node has now (refused: as it was).
    this.#showPublished(this.#clip.published);
  }

  #showPublished(published: boolean): void {
    this.#publish.checked = published;
    this.#publishState.textContent = published ? 'Published on your page' : 'Private';
  }

  /** True once the node took it; a refusal is reported as the node wrote it. */
  async #save(update: ClipUpdate): Promise<boolean> {
    try {
      const clip = await this.#options.update(this.#clip.id, update);
      this.show(clip);
      this.#options.changed(clip);
      return true;
    } catch (error) {
      this.#options.report(messageOf(error));
      return false;
    }
  }
}
