import type { ChatMessage } from '../../common/chat.js';
import { element } from './dom.js';

export interface ChatListOptions {
  /** The `<ol>` the messages go in. */
  list: HTMLOListElement;
  /** Keep at most this many messages in the page (old ones are dropped from the top). */
  maxMessages?: number;
  /** Extra controls for a message (the studio's delete and mute buttons). */
  decorate?: (item: HTMLLIElement, message: ChatMessage) => void;
}

/**
 * A chat transcript: history, new messages, deletions. Names and text go in as `textContent`
 * only — a message like `<img src=x onerror=…>` is shown as those characters and runs nothing.
 * Keeps the view at the bottom while the reader is there, and leaves it alone when they scrolled up.
 */
export class ChatList {
  readonly #list: HTMLOListElement;
  readonly #max: number;
  readonly #decorate: ChatListOptions['decorate'];
  readonly #items = new Map<number, HTMLLIElement>();

  constructor(options: ChatListOptions) {
    this.#list = options.list;
    this.#max = options.maxMessages ?? 200;
    this.#decorate = options.decorate;
  }

  get size(): number {
    return this.#items.size;
  }

  /** Replaces everything with `messages` (oldest first): on connect, and when a set starts. */
  replace(messages: ChatMessage[]): void {
    this.#list.replaceChildren();
    this.#items.clear();
    for (const message of messages) this.#append(message);
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  add(message: ChatMessage): void {
    if (this.#items.has(message.id)) return;
    const stick = this.#atBottom();
    this.#append(message);
    while (this.#items.size > this.#max) {
      const oldest = this.#items.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    if (stick) this.#list.scrollTop = this.#list.scrollHeight;
  }

  /** The busker deleted it; unknown ids are ignored (it may have scrolled out, or never arrived). */
  remove(id: number): void {
    this.#items.get(id)?.remove();
    this.#items.delete(id);
  }

  #append(message: ChatMessage): void {
    const item = element('li', `chat-message chat-${message.role}`);
    item.dataset.testid = 'chat-message';
    item.dataset.id = String(message.id);
    item.dataset.role = message.role;
    const name = element('span', 'chat-name', message.name);
    name.dataset.testid = 'chat-name';
    item.append(name);
    if (message.role === 'busker') {
      const badge = element('span', 'chat-badge', 'busker');
      badge.dataset.testid = 'chat-badge';
      item.append(badge);
    }
    const text = element('span', 'chat-text', message.text);
    text.dataset.testid = 'chat-text';
    item.append(text);
    this.#decorate?.(item, message);
    this.#list.append(item);
    this.#items.set(message.id, item);
  }

  #atBottom(): boolean {
    return this.#list.scrollHeight - this.#list.scrollTop - this.#list.clientHeight < 40;
  }
}
