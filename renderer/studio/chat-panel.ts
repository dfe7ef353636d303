import { CHAT_LIMITS, type ChatMessage, type ChatRole } from '../../common/chat.js';
import type { ChatState } from '../../common/events.js';
import { cleanText, visibleLength } from '../../common/text.js';
import { ChatList } from '../lib/chat-list.js';
import { element } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';

export interface ChatPanelElements {
  list: HTMLOListElement;
  /** "No messages yet." while the transcript is empty. */
  empty: HTMLElement;
  /** Open or not, and the slow mode. */
  state: HTMLElement;
  /** Why a message, a delete or a mute did not go through (the node's message as is). */
  error: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  send: HTMLButtonElement;
}

export interface ChatPanelOptions {
  /** Sends a chat message over the events socket; false when the socket is not open. */
  send: (text: string) => boolean;
  /** DELETE /api/chat/messages/:id. */
  remove: (id: number) => Promise<void>;
  /** POST /api/chat/mutes: mutes the author of that message. */
  mute: (messageId: number) => Promise<unknown>;
  /** A viewer was muted (the moderation panel reloads its list). */
  onMuted: () => void;
}

/**
 * The studio's chat: the transcript (the shared ChatList, text only), the busker's own input, and
 * Delete / Mute on every viewer's message. The busker can write once the node has confirmed this
 * socket as the busker's (`welcome`) and chat is open (a set is live).
 */
export class ChatPanel {
  readonly #el: ChatPanelElements;
  readonly #options: ChatPanelOptions;
  readonly #chat: ChatList;
  #state: ChatState = { open: false, slowModeSeconds: 0 };
  #role: ChatRole | undefined;
  #connected = false;

  constructor(elements: ChatPanelElements, options: ChatPanelOptions) {
    this.#el = elements;
    this.#options = options;
    this.#chat = new ChatList({ list: elements.list, decorate: (item, message) => this.#decorate(item, message) });
    elements.form.addEventListener('submit', this.#onSubmit);
    elements.input.addEventListener('input', this.#onInput);
    this.#render();
  }

  /** `chat-history`: the set's latest messages (empty when a new set starts). */
  history(messages: ChatMessage[]): void {
    this.#chat.replace(messages);
    this.#renderEmpty();
  }

  add(message: ChatMessage): void {
    this.#chat.add(message);
    this.#renderEmpty();
  }

  /** `chat-deleted`: unknown ids are ignored. */
  deleted(id: number): void {
    this.#chat.remove(id);
    this.#renderEmpty();
  }

  setState(state: ChatState): void {
    this.#state = state;
    this.#render();
  }

  /** `welcome`: `busker` means the node took the publish token; anything else, the socket is a guest's. */
  welcome(role: ChatRole): void {
    this.#role = role;
    if (role !== 'busker') this.showError('The node did not accept this page as yours, so you cannot chat as the busker. Reload the studio.');
    this.#render();
  }

  /** The events socket's state: a new socket must be welcomed again before the busker can write. */
  setConnected(connected: boolean): void {
    this.#connected = connected;
    if (!connected) this.#role = undefined;
    this.#render();
  }

  /** A refusal from the node (`error` event), shown as is. */
  showError(message: string): void {
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }

  close(): void {
    this.#el.form.removeEventListener('submit', this.#onSubmit);
    this.#el.input.removeEventListener('input', this.#onInput);
  }

  readonly #onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const text = cleanText(this.#el.input.value);
    if (!text) return;
    if (visibleLength(text) > CHAT_LIMITS.text) {
      this.showError(`A message has at most ${CHAT_LIMITS.text} characters.`);
      return;
    }
    if (!this.#options.send(text)) {
      this.showError('Not connected to the node — reconnecting. Try again in a moment.');
      return;
    }
    this.showError('');
    this.#el.input.value = '';
    this.#el.input.focus();
  };

  readonly #onInput = (): void => this.showError('');

  #render(): void {
    const { open, slowModeSeconds } = this.#state;
    const canWrite = open && this.#connected && this.#role === 'busker';
    this.#el.input.disabled = !canWrite;
    this.#el.send.disabled = !canWrite;
    this.#el.state.textContent = !open
      ? 'Chat opens when you go live'
      : slowModeSeconds > 0
        ? `Open · slow mode ${slowModeSeconds} s`
        : 'Open';
    this.#el.state.classList.toggle('is-open', open);
    this.#renderEmpty();
  }

  #renderEmpty(): void {
    this.#el.empty.hidden = this.#chat.size > 0;
  }

  /** Delete and Mute on viewers' messages (the busker's own have none). */
  #decorate(item: HTMLLIElement, message: ChatMessage): void {
    if (message.role !== 'viewer') return;
    const tools = element('span', 'chat-tools');
    const remove = toolButton('Delete', 'chat-delete', `Delete this message from ${message.name}`);
    const mute = toolButton('Mute', 'chat-mute', `Mute ${message.name}`);
    remove.addEventListener('click', () => {
      void this.#act([remove, mute], async () => {
        await this.#options.remove(message.id);
        this.deleted(message.id);
      });
    });
    mute.addEventListener('click', () => {
      void this.#act([remove, mute], async () => {
        await this.#options.mute(message.id);
        item.classList.add('is-muted');
        mute.textContent = 'Muted';
        this.#options.onMuted();
      });
    });
    tools.append(remove, mute);
    item.append(tools);
  }

  /** Runs a moderation request with its buttons disabled; a refusal is shown as the node wrote it. */
  async #act(buttons: HTMLButtonElement[], run: () => Promise<void>): Promise<void> {
    for (const button of buttons) button.disabled = true;
    try {
      await run();
      this.showError('');
    } catch (error) {
      this.showError(messageOf(error));
    } finally {
      for (const button of buttons) button.disabled = button.textContent === 'Muted';
    }
  }
}

function toolButton(text: string, testId: string, label: string): HTMLButtonElement {
  const button = element('button', 'chat-tool', text);
  button.type = 'button';
  button.dataset.testid = testId;
  button.setAttribute('aria-label', label);
  return button;
}
