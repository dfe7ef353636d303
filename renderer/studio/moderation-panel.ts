import { CoalescedReload } from '../lib/coalesced-reload.js';
import { CHAT_LIMITS, type ChatSettings, type Moderation, type Mute } from '../../common/chat.js';
import { element } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';

export interface ModerationPanelElements {
  form: HTMLFormElement;
  /** Seconds between a viewer's messages; 0 = off. */
  slowMode: HTMLInputElement;
  /** One word or phrase per line, or separated by commas. */
  blockedWords: HTMLTextAreaElement;
  save: HTMLButtonElement;
  /** "Saved" and the like. */
  note: HTMLElement;
  /** The node's refusal, as is. */
  error: HTMLElement;
  mutedList: HTMLElement;
  mutedEmpty: HTMLElement;
}

export interface ModerationPanelOptions {
  load: () => Promise<Moderation>;
  save: (settings: ChatSettings) => Promise<ChatSettings>;
  unmute: (key: string) => Promise<void>;
}

const TIME = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });

/**
 * The chat's rules (slow mode, blocked words) and the muted viewers, each with Unmute. What the
 * busker is typing is never overwritten by a reload: only the muted list follows the node then.
 */
export class ModerationPanel {
  readonly #el: ModerationPanelElements;
  readonly #options: ModerationPanelOptions;
  /** The rules were edited and not saved yet. */
  #dirty = false;
  readonly #reload = new CoalescedReload(() => this.#load());

  constructor(elements: ModerationPanelElements, options: ModerationPanelOptions) {
    this.#el = elements;
    this.#options = options;
    elements.slowMode.max = String(CHAT_LIMITS.slowModeMaxSeconds);
    elements.form.addEventListener('submit', this.#onSubmit);
    elements.form.addEventListener('input', this.#onInput);
    this.#renderMutes([]);
  }

  /** GET /api/chat/moderation; calls while one runs are folded into one more. */
  reload(): Promise<void> {
    return this.#reload.request();
  }

  async #load(): Promise<void> {
    try {
      const moderation = await this.#options.load();
      if (!this.#dirty) this.#fill(moderation.settings);
      this.#renderMutes(moderation.mutes);
    } catch (error) {
      this.#showError(`Could not load the chat rules: ${messageOf(error)}`);
    }
  }

  close(): void {
    this.#el.form.removeEventListener('submit', this.#onSubmit);
    this.#el.form.removeEventListener('input', this.#onInput);
  }

  readonly #onInput = (): void => {
    this.#dirty = true;
    this.#note('Not saved yet…');
    this.#showError('');
  };

  readonly #onSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const raw = this.#el.slowMode.value.trim();
    const slowModeSeconds = raw === '' ? 0 : Number(raw);
    if (!Number.isInteger(slowModeSeconds) || slowModeSeconds < 0 || slowModeSeconds > CHAT_LIMITS.slowModeMaxSeconds) {
      this.#showError(`Slow mode is a whole number of seconds from 0 (off) to ${CHAT_LIMITS.slowModeMaxSeconds}.`);
      this.#el.slowMode.focus();
      return;
    }
    const settings: ChatSettings = { slowModeSeconds, blockedWords: parseBlockedWords(this.#el.blockedWords.value) };
    this.#el.save.disabled = true;
    this.#showError('');
    this.#note('Saving…');
    try {
      const saved = await this.#options.save(settings);
      this.#dirty = false;
      this.#fill(saved);
      this.#note('Saved');
    } catch (error) {
      this.#note('');
      this.#showError(messageOf(error));
    } finally {
      this.#el.save.disabled = false;
    }
  };

  #fill(settings: ChatSettings): void {
    this.#el.slowMode.value = String(settings.slowModeSeconds);
    this.#el.blockedWords.value = settings.blockedWords.join('\n');
  }

  #renderMutes(mutes: Mute[]): void {
    this.#el.mutedList.replaceChildren(...mutes.map((mute) => this.#muteItem(mute)));
    this.#el.mutedEmpty.hidden = mutes.length > 0;
  }

  #muteItem(mute: Mute): HTMLLIElement {
    const item = element('li', 'muted-viewer');
    item.dataset.testid = 'muted-viewer';
    item.dataset.key = mute.key;
    const who = element('span', 'muted-name', mute.name);
    who.dataset.testid = 'muted-name';
    const when = element('time', 'muted-when', `muted ${TIME.format(mute.mutedAt)}`);
    when.dateTime = new Date(mute.mutedAt).toISOString();
    const unmute = element('button', 'button button-small', 'Unmute');
    unmute.type = 'button';
    unmute.dataset.testid = 'unmute-viewer';
    unmute.setAttribute('aria-label', `Unmute ${mute.name}`);
    unmute.addEventListener('click', async () => {
      unmute.disabled = true;
      this.#showError('');
      try {
        await this.#options.unmute(mute.key);
        item.remove();
        this.#el.mutedEmpty.hidden = this.#el.mutedList.childElementCount > 0;
      } catch (error) {
        this.#showError(messageOf(error));
      } finally {
        unmute.disabled = false;
        void this.reload();
      }
    });
    item.append(who, when, unmute);
    return item;
  }

  #note(text: string): void {
    this.#el.note.textContent = text;
  }

  #showError(message: string): void {
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }
}

/**
 * "spam, Rude words\nSPAM" → ["spam", "Rude words"]: lines and commas separate; blanks go, and so
 * do repeats in any case (the node matches words in any case anyway).
 */
export function parseBlockedWords(text: string): string[] {
  const words = new Map<string, string>();
  for (const part of text.split(/[\n,]/)) {
    const word = part.trim();
    if (word && !words.has(word.toLocaleLowerCase())) words.set(word.toLocaleLowerCase(), word);
  }
  return [...words.values()];
}
