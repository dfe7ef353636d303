import { SET_INFO_LIMITS, SetInfoSchema, parseHashtagInput, type SetInfo } from '../../common/set-info.js';
import { messageOf } from '../lib/node-error.js';

export interface SetFormElements {
  title: HTMLInputElement;
  hashtags: HTMLInputElement;
  description: HTMLTextAreaElement;
  /** "Saved", "Saving…" or why not. */
  note: HTMLElement;
  /** "12/120" beside the title and the description. */
  titleCount: HTMLElement;
  descriptionCount: HTMLElement;
}

/** A pause in typing this long saves the form. */
const SAVE_AFTER_MS = 700;

/**
 * Title, hashtags and description, checked against the node's own schema and limits as the busker
 * types, and saved (debounced, one request at a time, latest wins) so viewers see edits live.
 */
export class SetForm {
  readonly #el: SetFormElements;
  readonly #save: (info: SetInfo) => Promise<unknown>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #savedJson = '';
  #closed = false;

  constructor(elements: SetFormElements, save: (info: SetInfo) => Promise<unknown>) {
    this.#el = elements;
    this.#save = save;
    elements.title.maxLength = SET_INFO_LIMITS.title;
    elements.description.maxLength = SET_INFO_LIMITS.description;
    elements.hashtags.placeholder = '#acoustic #covers #dublin';
    for (const field of [elements.title, elements.hashtags, elements.description]) field.addEventListener('input', this.#onInput);
    this.#check();
  }

  /** Shows what the node already has (e.g. after a reload), without saving it back. */
  fill(info: SetInfo): void {
    this.#el.title.value = info.title;
    this.#el.hashtags.value = info.hashtags.map((tag) => `#${tag}`).join(' ');
    this.#el.description.value = info.description;
    this.#savedJson = JSON.stringify(info);
    this.#check();
  }

  /** Saves now if anything is unsaved; throws with the reason when the info is invalid or refused. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const result = this.#check();
    if (!result.ok) throw new Error(result.message);
    await this.#enqueue(result.info, true);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const field of [this.#el.title, this.#el.hashtags, this.#el.description]) field.removeEventListener('input', this.#onInput);
  }

  readonly #onInput = (): void => {
    clearTimeout(this.#timer);
    const result = this.#check();
    if (!result.ok) return;
    this.#note(JSON.stringify(result.info) === this.#savedJson ? 'Saved' : 'Not saved yet…');
    this.#timer = setTimeout(() => void this.#enqueue(result.info, false).catch(() => undefined), SAVE_AFTER_MS);
  };

  #check(): { ok: true; info: SetInfo } | { ok: false; message: string } {
    this.#el.titleCount.textContent = `${this.#el.title.value.length}/${SET_INFO_LIMITS.title}`;
    this.#el.descriptionCount.textContent = `${this.#el.description.value.length}/${SET_INFO_LIMITS.description}`;
    const raw = {
      title: this.#el.title.value,
      hashtags: parseHashtagInput(this.#el.hashtags.value),
      description: this.#el.description.value,
    };
    const parsed = SetInfoSchema.safeParse(raw);
    this.#el.hashtags.setCustomValidity('');
    if (parsed.success) return { ok: true, info: parsed.data };
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'set info');
    const index = issue?.path[1];
    const tag = field === 'hashtags' && typeof index === 'number' ? raw.hashtags[index] : undefined;
    const message =
      field === 'hashtags' && issue?.code === 'too_big' && issue.path.length === 1
        ? `At most ${SET_INFO_LIMITS.hashtags} hashtags.`
        : tag !== undefined
          ? `#${tag}: ${issue?.message ?? 'invalid'}`
          : `${capitalise(field)}: ${issue?.message ?? 'invalid'}`;
    if (field === 'hashtags') this.#el.hashtags.setCustomValidity(message);
    this.#note(message, true);
    return { ok: false, message };
  }

  /** Saves one at a time, in order; an unchanged form is not sent again. */
  #enqueue(info: SetInfo, rethrow: boolean): Promise<void> {
    const run = this.#saving.then(async () => {
      const json = JSON.stringify(info);
      if (json === this.#savedJson || this.#closed) return;
      this.#note('Saving…');
      try {
        await this.#save(info);
        this.#savedJson = json;
        this.#note('Saved — viewers see it now');
      } catch (error) {
        this.#note(`Not saved: ${messageOf(error)}`, true);
        throw error;
      }
    });
    this.#saving = run.catch(() => undefined);
    return rethrow ? run : run.catch(() => undefined);
  }

  #note(text: string, problem = false): void {
    this.#el.note.textContent = text;
    this.#el.note.classList.toggle('problem', problem);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
