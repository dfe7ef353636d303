import type { ChatRole } from '../../common/chat.js';
import type { Comment, Short } from '../../common/clips.js';
import type { ClientEvent, ServerEventOf } from '../../common/events.js';
import { CHAT_LIMITS } from '../../common/limits.js';
import { cleanText, visibleLength } from '../../common/text.js';
import { ChatList } from '../lib/chat-list.js';
import { element, formatElapsed } from '../lib/dom.js';
import { Cooldown, secondsLeft } from './cooldown.js';

export interface ShortsViewOptions {
  /** The whole section: hidden while there is no published short. */
  root: HTMLElement;
  /** The row the cards go in. */
  list: HTMLElement;
  /** Sends on the events socket; false when it is not open. */
  send: (event: ClientEvent) => boolean;
  /** "Change name": take the person to the chat's name box (one name for chat and comments). */
  onChangeName: () => void;
}

type ServerError = Omit<ServerEventOf<'error'>, 'type'>;
interface Me {
  name: string;
  role: ChatRole;
}

/** What a card asks of the view: the socket, who this page is, and its neighbours. */
interface CardHost {
  send: (event: ClientEvent) => boolean;
  me: () => Me | undefined;
  /** A number that grows with every comment sent, so the latest one can be found. */
  nextSendNumber: () => number;
  /** This card opened: the others close (one open card at a time reads best on a phone). */
  opened: (card: ShortCard) => void;
  /** This card's video started: the others pause. */
  played: (card: ShortCard) => void;
  changeName: () => void;
}

/** A sent comment with no echo or refusal after this long lets the box be used again. */
const PENDING_MS = 5000;
const NOT_CONNECTED = 'Not connected to the busker right now. Your comment is still here: try again in a moment.';

/**
 * The busker's published shorts: a row of cards, shown live and offline alike (hidden while there
 * are none). Tapping a card opens it larger with its comments and a comment box. Comments follow
 * chat's rules (the node's, shown as it words them) and are open while the busker is offline.
 * `shorts` replaces the list — a card that stays keeps its open state, its video and what was
 * typed — and `comment` / `comment-deleted` change one card's comments.
 */
export class ShortsView {
  readonly #root: HTMLElement;
  readonly #list: HTMLElement;
  readonly #cards = new Map<number, ShortCard>();
  readonly #host: CardHost;
  #me: Me | undefined;
  #sent = 0;

  constructor({ root, list, send, onChangeName }: ShortsViewOptions) {
    this.#root = root;
    this.#list = list;
    this.#host = {
      send,
      me: () => this.#me,
      nextSendNumber: () => ++this.#sent,
      opened: (card) => {
        for (const other of this.#cards.values()) if (other !== card) other.setOpen(false);
      },
      played: (card) => {
        for (const other of this.#cards.values()) if (other !== card) other.pause();
      },
      changeName: onChangeName,
    };
    document.addEventListener('keydown', this.#onKey);
    root.hidden = true;
  }

  /** True while a sent comment awaits its echo or refusal (an error now is probably about it). */
  get awaitingAnswer(): boolean {
    return this.#latestPending() !== undefined;
  }

  /** Who the node says this page is: comments go out under this name. */
  welcome(me: Me): void {
    this.#me = { name: me.name, role: me.role };
    for (const card of this.#cards.values()) card.showName(me.name);
  }

  /** The published shorts, newest first, as the node has them now. */
  replace(shorts: Short[]): void {
    const ids = new Set(shorts.map((short) => short.id));
    for (const [id, card] of this.#cards) {
      if (ids.has(id)) continue;
      card.destroy();
      this.#cards.delete(id);
    }
    let index = 0;
    const placed = new Set<number>();
    for (const short of shorts) {
      if (placed.has(short.id)) continue;
      placed.add(short.id);
      let card = this.#cards.get(short.id);
      if (card) card.update(short);
      else {
        card = new ShortCard(short, this.#host);
        if (this.#me) card.showName(this.#me.name);
        this.#cards.set(short.id, card);
      }
      // Moved only when out of place, so a playing video is not disturbed.
      const here = this.#list.children[index] ?? null;
      if (here !== card.root) this.#list.insertBefore(card.root, here);
      index++;
    }
    this.#root.hidden = this.#cards.size === 0;
  }

  add(shortId: number, comment: Comment): void {
    this.#cards.get(shortId)?.add(comment);
  }

  /** The busker deleted a comment; unknown shorts and comments are ignored. */
  remove(shortId: number, id: number): void {
    this.#cards.get(shortId)?.remove(id);
  }

  /** A refusal from the node: shown by the short whose comment was sent last. */
  showError(error: ServerError): void {
    this.#latestPending()?.showError(error);
  }

  close(): void {
    document.removeEventListener('keydown', this.#onKey);
    for (const card of this.#cards.values()) card.close();
  }

  #latestPending(): ShortCard | undefined {
    let latest: ShortCard | undefined;
    for (const card of this.#cards.values()) {
      const sent = card.pendingNumber;
      if (sent !== undefined && (latest === undefined || sent > (latest.pendingNumber ?? 0))) latest = card;
    }
    return latest;
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    for (const card of this.#cards.values()) card.setOpen(false);
  };
}

/** One short: its video and title, and (open) its comments and comment box. */
class ShortCard {
  readonly root: HTMLElement;
  readonly #id: number;
  readonly #host: CardHost;
  readonly #video: HTMLVideoElement;
  readonly #title: HTMLElement;
  readonly #meta: HTMLElement;
  readonly #toggle: HTMLButtonElement;
  readonly #closeButton: HTMLButtonElement;
  readonly #detail: HTMLElement;
  readonly #commentList: HTMLOListElement;
  readonly #comments: ChatList;
  readonly #as: HTMLElement;
  readonly #error: HTMLElement;
  readonly #input: HTMLInputElement;
  readonly #send: HTMLButtonElement;
  readonly #remaining: HTMLElement;
  /** slow_down: the send button counts down, held rather than disabled (as in the chat). */
  readonly #wait: Cooldown;
  readonly #unlisten: Array<() => void> = [];
  #durationMs: number | null = null;
  /** The comment ids of the last `shorts` list: an unchanged list is not redrawn (keeps the scroll). */
  #listed = '';
  #open = false;
  #pending: { text: string; sent: number; timer: ReturnType<typeof setTimeout> } | undefined;
  /** The error on show came with a wait: it goes away when the wait is over. */
  #errorEndsWithWait = false;

  constructor(short: Short, host: CardHost) {
    this.#id = short.id;
    this.#host = host;
    const detailId = `short-${short.id}-comments`;

    this.root = withTestId(element('article', 'short-card'), 'short-card');
    this.root.dataset.id = String(short.id);

    this.#video = withTestId(element('video', 'short-video'), 'short-video');
    this.#video.preload = 'metadata';
    this.#video.controls = true;
    this.#video.playsInline = true;
    // A closed card is one big tap target: the video's own controls keep their taps to themselves
    // (the page never hears them), so a cover lies over the video until the card is open.
    const cover = element('div', 'short-cover');
    cover.setAttribute('aria-hidden', 'true');
    const frame = element('div', 'short-frame');
    frame.append(this.#video, cover);

    this.#title = withTestId(element('span', 'short-card-title'), 'short-card-title');
    this.#meta = element('span', 'short-meta');
    this.#toggle = withTestId(element('button', 'short-open'), 'short-open');
    this.#toggle.type = 'button';
    this.#toggle.setAttribute('aria-expanded', 'false');
    this.#toggle.setAttribute('aria-controls', detailId);
    this.#toggle.append(this.#title, this.#meta);

    this.#closeButton = withTestId(element('button', 'short-close', 'Close'), 'short-close');
    this.#closeButton.type = 'button';
    const head = element('div', 'short-detail-head');
    head.append(element('h3', 'short-comments-heading', 'Comments'), this.#closeButton);

    this.#commentList = element('ol', 'comment-list');
    this.#commentList.setAttribute('role', 'log');
    this.#commentList.setAttribute('aria-label', 'Comments');
    this.#comments = new ChatList({ list: this.#commentList });
    const comments = withTestId(element('div', 'short-comments'), 'short-comments');
    comments.append(this.#commentList);

    this.#as = withTestId(element('span', '', 'Commenting as a guest'), 'comment-as');
    const changeName = withTestId(element('button', 'link-button', 'Change name'), 'comment-change-name');
    changeName.type = 'button';
    const as = element('p', 'comment-as');
    as.append(this.#as, ' ', changeName);

    this.#error = withTestId(element('p', 'chat-error'), 'comment-error');
    this.#error.setAttribute('role', 'alert');
    this.#error.hidden = true;

    const form = element('form', 'chat-compose');
    form.autocomplete = 'off';
    this.#input = withTestId(element('input', 'chat-input'), 'comment-input');
    this.#input.type = 'text';
    this.#input.maxLength = 2000;
    this.#input.placeholder = 'Add a comment';
    this.#input.setAttribute('enterkeyhint', 'send');
    this.#input.setAttribute('aria-label', 'Comment');
    this.#send = withTestId(element('button', 'chat-send', 'Send'), 'comment-send');
    this.#send.type = 'submit';
    form.append(this.#input, this.#send);
    this.#remaining = withTestId(element('p', 'chat-remaining'), 'comment-remaining');

    this.#detail = element('div', 'short-detail');
    this.#detail.id = detailId;
    this.#detail.hidden = true;
    this.#detail.append(head, comments, as, this.#error, form, this.#remaining);

    this.root.append(frame, this.#toggle, this.#detail);

    this.#wait = new Cooldown(
      (left) => (this.#send.textContent = `Wait ${secondsLeft(left)}`),
      () => {
        if (this.#errorEndsWithWait) this.#hideError();
        this.#update();
      },
    );
    this.#listen(this.root, 'click', this.#onClick);
    this.#listen(this.#video, 'play', () => {
      this.#host.played(this);
      this.setOpen(true);
    });
    this.#listen(changeName, 'click', () => this.#host.changeName());
    this.#listen(form, 'submit', this.#onSend);
    this.#listen(this.#input, 'input', () => this.#update());
    this.update(short);
  }

  /** The number its pending comment was sent under; undefined when none awaits an answer. */
  get pendingNumber(): number | undefined {
    return this.#pending?.sent;
  }

  update(short: Short): void {
    this.#title.textContent = short.title || 'Untitled short';
    const { width, height } = short;
    const sized = width !== null && height !== null && width > 0 && height > 0;
    // Vertical (or unknown, as most shorts are 9:16) cards are narrow and tall; others wide.
    this.root.classList.toggle('wide', sized && width > height);
    this.root.style.setProperty('--ratio', sized ? `${width} / ${height}` : '9 / 16');
    if (this.#video.getAttribute('src') !== short.mediaUrl) this.#video.src = short.mediaUrl;
    this.#durationMs = short.durationMs;
    const listed = short.comments.map((comment) => comment.id).join();
    if (listed !== this.#listed) this.#comments.replace(short.comments);
    this.#listed = listed;
    this.#showMeta();
    this.#update();
  }

  showName(name: string): void {
    this.#as.textContent = `Commenting as ${name}`;
  }

  add(comment: Comment): void {
    this.#comments.add(comment);
    this.#showMeta();
    const pending = this.#pending;
    const me = this.#host.me();
    if (pending && me && comment.role === me.role && comment.name === me.name && comment.text === pending.text) {
      // Ours came back: the node took it. Clear the box unless the person already typed on.
      if (cleanText(this.#input.value) === pending.text) this.#input.value = '';
      this.#endPending();
      this.#hideError();
    }
  }

  remove(id: number): void {
    this.#comments.remove(id);
    this.#showMeta();
  }

  /** A refusal from the node, shown by the box (opened, so it is seen); `slow_down` holds the button. */
  showError({ error, message, retryAfterMs }: ServerError): void {
    this.#endPending();
    this.#showError(message);
    if (error === 'slow_down' && retryAfterMs !== undefined && retryAfterMs > 0) {
      this.#errorEndsWithWait = true;
      this.#wait.start(retryAfterMs);
    }
    this.setOpen(true);
    this.#update();
  }

  setOpen(open: boolean): void {
    if (open === this.#open) return;
    this.#open = open;
    this.root.classList.toggle('open', open);
    this.#detail.hidden = !open;
    this.#toggle.setAttribute('aria-expanded', String(open));
    if (!open) return;
    this.#host.opened(this);
    this.#commentList.scrollTop = this.#commentList.scrollHeight;
    this.root.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  pause(): void {
    if (!this.#video.paused) this.#video.pause();
  }

  /** Frees its timers and listeners (the page is going away). */
  close(): void {
    this.#endPending();
    this.#wait.stop();
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
  }

  /** The short is no longer published: gone from the page, its download stopped. */
  destroy(): void {
    this.close();
    this.#video.pause();
    this.#video.removeAttribute('src');
    this.#video.load();
    this.root.remove();
  }

  readonly #onClick = (event: MouseEvent): void => {
    const target = event.target instanceof Node ? event.target : null;
    if (this.#toggle.contains(target)) this.setOpen(!this.#open);
    else if (this.#closeButton.contains(target)) this.setOpen(false);
    // Anywhere else on a closed card (the cover over its video too) opens it.
    else if (!this.#open) this.setOpen(true);
  };

  readonly #onSend = (event: SubmitEvent): void => {
    event.preventDefault();
    if (this.#pending) return;
    if (this.#wait.active) {
      // Held, not disabled: a tap while waiting keeps the text and says why nothing happened.
      if (this.#error.hidden) {
        this.#showError('Slow down: you can send again when the countdown on the button ends.');
        this.#errorEndsWithWait = true;
      }
      return;
    }
    const text = cleanText(this.#input.value);
    if (text === '' || visibleLength(text) > CHAT_LIMITS.text) return;
    if (!this.#host.send({ type: 'comment', shortId: this.#id, text })) {
      this.#showError(NOT_CONNECTED);
      return;
    }
    this.#pending = { text, sent: this.#host.nextSendNumber(), timer: setTimeout(() => this.#endPending(), PENDING_MS) };
    this.#update();
  };

  #listen<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, listener: (event: HTMLElementEventMap[K]) => void): void {
    target.addEventListener(type, listener);
    this.#unlisten.push(() => target.removeEventListener(type, listener));
  }

  #endPending(): void {
    if (!this.#pending) return;
    clearTimeout(this.#pending.timer);
    this.#pending = undefined;
    this.#update();
  }

  #showMeta(): void {
    const count = this.#comments.size;
    const comments = count === 1 ? '1 comment' : `${count} comments`;
    // Rounded, as the video's own controls show it (4.98 s is "0:05" there, so here too).
    const duration = this.#durationMs !== null ? formatElapsed(Math.round(this.#durationMs / 1000) * 1000) : '';
    this.#meta.textContent = duration ? `${duration} · ${comments}` : comments;
  }

  #showError(message: string): void {
    this.#errorEndsWithWait = false;
    this.#error.textContent = message;
    this.#error.hidden = false;
  }

  #hideError(): void {
    this.#errorEndsWithWait = false;
    this.#error.hidden = true;
    this.#error.textContent = '';
  }

  /** The box and button, from the state: waiting, sending, how much is typed. */
  #update(): void {
    const text = cleanText(this.#input.value);
    const left = CHAT_LIMITS.text - visibleLength(text);
    // During a slow_down wait the button stays tappable (see #onSend) and looks held.
    this.#send.disabled = this.#pending !== undefined || text === '' || left < 0;
    this.#send.classList.toggle('held', this.#wait.active);
    if (!this.#wait.active) this.#send.textContent = this.#pending ? 'Sending…' : 'Send';
    this.#remaining.textContent = left >= 0 ? `${left} left` : `${-left} too many`;
    this.#remaining.classList.toggle('over', left < 0);
  }
}

function withTestId<T extends HTMLElement>(node: T, testId: string): T {
  node.dataset.testid = testId;
  return node;
}
