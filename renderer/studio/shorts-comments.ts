import { CLIP_LIMITS, type Comment } from '../../common/clips.js';
import { ChatList } from '../lib/chat-list.js';
import { element } from '../lib/dom.js';
import { NodeError, messageOf } from '../lib/node-error.js';

export interface ShortCommentsOptions {
  /** DELETE /api/shorts/:id/comments/:commentId. */
  remove: (commentId: number) => Promise<void>;
  /** A refusal, in the node's words (the gallery's error line). */
  report: (message: string) => void;
  /** A comment was deleted here (the card's count goes down). */
  onRemoved: () => void;
}

/**
 * The comments under one published short (the shared ChatList: names and text as text only), each
 * with a Delete for the busker. Fed by the `shorts` list and by `comment` / `comment-deleted` events.
 */
export class ShortComments {
  readonly element: HTMLElement;
  readonly #options: ShortCommentsOptions;
  readonly #list: ChatList;
  readonly #heading: HTMLElement;
  readonly #empty: HTMLElement;
  /** Every comment known here (also those scrolled out of the latest 50), to count adds and deletes once. */
  #ids = new Set<number>();
  /** The ids shown, oldest first: a `shorts` list that says the same changes nothing (and keeps the scroll). */
  #shown = '';

  constructor(options: ShortCommentsOptions) {
    this.#options = options;
    this.element = element('section', 'short-comments');
    this.element.dataset.testid = 'short-comments';
    this.#heading = element('h4', 'short-comments-head', 'Comments');
    const list = element('ol', 'chat-list short-comment-list');
    this.#list = new ChatList({ list, maxMessages: CLIP_LIMITS.comments, decorate: (item, comment) => this.#decorate(item, comment) });
    this.#empty = element('p', 'short-comments-empty', 'No comments yet.');
    this.element.append(this.#heading, list, this.#empty);
  }

  get size(): number {
    return this.#list.size;
  }

  /** How many the short has in all (the node keeps more than the latest 50 it sends). */
  setTotal(total: number): void {
    this.#heading.textContent = total > 0 ? `Comments (${total})` : 'Comments';
  }

  replace(comments: readonly Comment[]): void {
    const shown = comments.map((comment) => comment.id).join(',');
    if (shown === this.#shown) return;
    this.#list.replace([...comments]);
    this.#ids = new Set(comments.map((comment) => comment.id));
    this.#shown = shown;
    this.#renderEmpty();
  }

  /** True when it was new here. */
  add(comment: Comment): boolean {
    if (this.#ids.has(comment.id)) return false;
    this.#ids.add(comment.id);
    this.#list.add(comment);
    this.#shown = '';
    this.#renderEmpty();
    return true;
  }

  /** True when it was known here (a deletion of a comment never seen is ignored). */
  remove(id: number): boolean {
    const known = this.#ids.delete(id);
    this.#list.remove(id);
    this.#shown = '';
    this.#renderEmpty();
    return known;
  }

  #renderEmpty(): void {
    this.#empty.hidden = this.#list.size > 0;
  }

  #decorate(item: HTMLLIElement, comment: Comment): void {
    item.dataset.testid = 'short-comment';
    const tools = element('span', 'chat-tools');
    const remove = element('button', 'chat-tool', 'Delete');
    remove.type = 'button';
    remove.dataset.testid = 'comment-delete';
    remove.setAttribute('aria-label', `Delete this comment from ${comment.name}`);
    remove.addEventListener('click', () => void this.#remove(remove, comment.id));
    tools.append(remove);
    item.append(tools);
  }

  async #remove(button: HTMLButtonElement, id: number): Promise<void> {
    button.disabled = true;
    try {
      await this.#options.remove(id);
    } catch (error) {
      // Already gone (deleted from another tab, or with its short): remove it here too.
      if (!(error instanceof NodeError && error.status === 404)) {
        button.disabled = false;
        this.#options.report(messageOf(error));
        return;
      }
    }
    if (this.remove(id)) this.#options.onRemoved();
  }
}
