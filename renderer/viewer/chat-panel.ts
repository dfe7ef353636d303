import type { ChatMessage, ChatRole } from '../../common/chat.js';
import type { ClientEvent, ServerEventOf } from '../../common/events.js';
import { CHAT_LIMITS } from '../../common/limits.js';
import { cleanText, visibleLength } from '../../common/text.js';
import { ChatList } from '../lib/chat-list.js';
import { element } from '../lib/dom.js';
import { loadChatName, saveChatName } from './chat-name.js';
import { Cooldown, secondsLeft } from './cooldown.js';

export interface ChatPanelElements {
  list: HTMLOListElement;
  /** "You are Guest 4F2A". */
  you: HTMLElement;
  /** Shown while the busker has muted this viewer. */
  muted: HTMLElement;
  slowMode: HTMLElement;
  closed: HTMLElement;
  error: HTMLElement;
  messageForm: HTMLFormElement;
  input: HTMLInputElement;
  send: HTMLButtonElement;
  remaining: HTMLElement;
  nameForm: HTMLFormElement;
  nameInput: HTMLInputElement;
}

export interface ChatPanelOptions {
  elements: ChatPanelElements;
  /** Sends on the events socket; false when it is not open. */
  send: (event: ClientEvent) => boolean;
  /** The name was changed (and stored): say `hello` again so the node uses it. */
  onNameChange: () => void;
}

type ServerError = Omit<ServerEventOf<'error'>, 'type'>;

/** A sent message with no echo or refusal after this long lets the box be used again. */
const PENDING_MS = 5000;
const NOT_CONNECTED = 'Not connected to the busker right now. Your message is still here: try again in a moment.';

/**
 * The viewer's chat: the transcript (ChatList, text only), the name box and the message box.
 * What a person typed stays in the box until the node has taken it — the message comes back
 * as a `chat` event under this page's name — so a refusal (slow down, muted, closed…) loses
 * nothing. The node's refusals are shown as it words them.
 */
export class ChatPanel {
  readonly #el: ChatPanelElements;
  readonly #send: ChatPanelOptions['send'];
  readonly #onNameChange: ChatPanelOptions['onNameChange'];
  readonly #list: ChatList;
  /**
   * slow_down: the send button counts down until the node will take a message again. It is held
   * (looks disabled, sends nothing) rather than disabled, so a tap during the wait is answered
   * with why, instead of being silently swallowed.
   */
  readonly #wait: Cooldown;
  #open = false;
  /** Who the node says this page is (from `welcome`); the echo of a sent message carries it. */
  #me: { name: string; role: ChatRole } | undefined;
  #pending: { text: string; timer: ReturnType<typeof setTimeout> } | undefined;
  /** The error on show came with a wait: it goes away when the wait is over. */
  #errorEndsWithWait = false;

  constructor({ elements, send, onNameChange }: ChatPanelOptions) {
    this.#el = elements;
    this.#send = send;
    this.#onNameChange = onNameChange;
    this.#list = new ChatList({ list: elements.list });
    this.#wait = new Cooldown((left) => this.#showWait(left), () => this.#endWait());
    elements.nameInput.value = loadChatName();
    elements.messageForm.addEventListener('submit', this.#onSend);
    elements.input.addEventListener('input', this.#onType);
    elements.nameForm.addEventListener('submit', this.#onSaveName);
    this.#update();
  }

  /** True while a sent message awaits its echo or refusal (an error now is probably about it). */
  get awaitingAnswer(): boolean {
    return this.#pending !== undefined;
  }

  welcome({ role, name, muted }: Omit<ServerEventOf<'welcome'>, 'type'>): void {
    this.#me = { name, role };
    this.#el.you.textContent = `You are ${name}`;
    this.#el.muted.hidden = !muted;
    // A guest sees the name the node made up for them as the name box's hint.
    this.#el.nameInput.placeholder = loadChatName() === '' ? name : 'Guest';
  }

  state(open: boolean, slowModeSeconds: number): void {
    this.#open = open;
    this.#el.closed.hidden = open;
    // "5 s" kept on one line: a lone "s" wrapped onto the next line reads as a typo.
    this.#el.slowMode.replaceChildren('Slow mode: one message every ', element('span', 'nowrap', `${slowModeSeconds} s`));
    this.#el.slowMode.hidden = slowModeSeconds <= 0;
    this.#update();
  }

  history(messages: ChatMessage[]): void {
    this.#list.replace(messages);
  }

  add(message: ChatMessage): void {
    this.#list.add(message);
    const pending = this.#pending;
    if (pending && this.#me && message.role === this.#me.role && message.name === this.#me.name && message.text === pending.text) {
      // Ours came back: the node took it. Clear the box unless the person already typed on.
      if (cleanText(this.#el.input.value) === pending.text) this.#el.input.value = '';
      this.#endPending();
      this.#hideError();
    }
  }

  remove(id: number): void {
    this.#list.remove(id);
  }

  /** A refusal from the node, shown as it words it; `slow_down` also holds the send button. */
  showError({ error, message, retryAfterMs }: ServerError): void {
    this.#endPending();
    this.#showError(message);
    if (error === 'slow_down' && retryAfterMs !== undefined && retryAfterMs > 0) {
      this.#errorEndsWithWait = true;
      this.#wait.start(retryAfterMs);
    }
    this.#update();
  }

  close(): void {
    this.#endPending();
    this.#wait.stop();
    this.#el.messageForm.removeEventListener('submit', this.#onSend);
    this.#el.input.removeEventListener('input', this.#onType);
    this.#el.nameForm.removeEventListener('submit', this.#onSaveName);
  }

  readonly #onSend = (event: SubmitEvent): void => {
    event.preventDefault();
    if (!this.#open || this.#pending) return;
    if (this.#wait.active) {
      // Held, not disabled: a tap while waiting keeps the text and says why nothing happened.
      if (this.#el.error.hidden) {
        this.#showError('Slow down: you can send again when the countdown on the button ends.');
        this.#errorEndsWithWait = true;
      }
      return;
    }
    const text = cleanText(this.#el.input.value);
    if (text === '' || visibleLength(text) > CHAT_LIMITS.text) return;
    if (!this.#send({ type: 'chat', text })) {
      this.#showError(NOT_CONNECTED);
      return;
    }
    this.#pending = { text, timer: setTimeout(() => this.#endPending(), PENDING_MS) };
    this.#update();
  };

  readonly #onType = (): void => this.#update();

  readonly #onSaveName = (event: SubmitEvent): void => {
    event.preventDefault();
    const name = cleanText(this.#el.nameInput.value);
    if (visibleLength(name) > CHAT_LIMITS.name) {
      this.#showError(`A name has at most ${CHAT_LIMITS.name} characters.`);
      return;
    }
    this.#el.nameInput.value = name;
    saveChatName(name);
    this.#hideError();
    // When offline, the stored name goes out with the next connection's hello anyway.
    this.#onNameChange();
  };

  #endPending(): void {
    if (!this.#pending) return;
    clearTimeout(this.#pending.timer);
    this.#pending = undefined;
    this.#update();
  }

  #showWait(left: number): void {
    this.#el.send.textContent = `Wait ${secondsLeft(left)}`;
  }

  #endWait(): void {
    if (this.#errorEndsWithWait) this.#hideError();
    this.#update();
  }

  #showError(message: string): void {
    this.#errorEndsWithWait = false;
    this.#el.error.textContent = message;
    this.#el.error.hidden = false;
  }

  #hideError(): void {
    this.#errorEndsWithWait = false;
    this.#el.error.hidden = true;
    this.#el.error.textContent = '';
  }

  /** The boxes and buttons, from the state: open, waiting, sending, how much is typed. */
  #update(): void {
    const { input, send, remaining } = this.#el;
    const text = cleanText(input.value);
    const left = CHAT_LIMITS.text - visibleLength(text);
    input.disabled = !this.#open;
    // During a slow_down wait the button stays tappable (see #onSend) and looks held.
    send.disabled = !this.#open || this.#pending !== undefined || text === '' || left < 0;
    send.classList.toggle('held', this.#wait.active);
    if (!this.#wait.active) send.textContent = this.#pending ? 'Sending…' : 'Send';
    remaining.textContent = left >= 0 ? `${left} left` : `${-left} too many`;
    remaining.classList.toggle('over', left < 0);
  }
}
