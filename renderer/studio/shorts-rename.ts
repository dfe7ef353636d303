import { CLIP_LIMITS } from '../../common/clips.js';
import { element } from '../lib/dom.js';
import { clipTitle, checkTitle } from './shorts-format.js';

export interface ShortRenameOptions {
  /** Saves the new title (PATCH); resolves true once saved, false when refused (already reported). */
  save: (title: string) => Promise<boolean>;
  /** A title that cannot be saved, said before asking the node. */
  report: (message: string) => void;
}

/**
 * A short's title and its in-place rename: Rename swaps the heading for an input with Save and
 * Cancel (Enter saves, Escape cancels). A title arriving from the node while the busker types
 * does not overwrite what they typed.
 */
export class ShortRename {
  readonly element: HTMLElement;
  readonly #options: ShortRenameOptions;
  readonly #heading: HTMLElement;
  readonly #rename: HTMLButtonElement;
  readonly #form: HTMLFormElement;
  readonly #input: HTMLInputElement;
  readonly #save: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  #title = '';

  constructor(title: string, options: ShortRenameOptions) {
    this.#options = options;
    this.element = element('div', 'short-title-row');
    this.#heading = element('h3', 'short-title');
    this.#heading.dataset.testid = 'short-title';
    this.#rename = button('Rename', 'short-rename', 'button button-small short-rename');
    this.#rename.addEventListener('click', () => this.#edit());

    this.#form = element('form', 'short-rename-form');
    this.#form.noValidate = true;
    this.#form.hidden = true;
    this.#input = element('input');
    this.#input.type = 'text';
    this.#input.autocomplete = 'off';
    this.#input.dataset.testid = 'short-title-input';
    this.#input.placeholder = 'Untitled short';
    this.#input.setAttribute('aria-label', `Title (at most ${CLIP_LIMITS.title} characters)`);
    this.#input.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      this.#close();
    });
    this.#save = button('Save', 'short-title-save', 'button button-primary button-small');
    this.#save.type = 'submit';
    this.#cancel = button('Cancel', 'short-title-cancel', 'button button-small');
    this.#cancel.addEventListener('click', () => this.#close());
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
    this.#form.append(this.#input, this.#save, this.#cancel);

    this.element.append(this.#heading, this.#rename, this.#form);
    this.show(title);
  }

  /** The title as the node has it. */
  show(title: string): void {
    this.#title = title;
    this.#heading.textContent = clipTitle({ title });
    this.#heading.classList.toggle('is-untitled', title === '');
    this.#rename.setAttribute('aria-label', `Rename “${clipTitle({ title })}”`);
  }

  #edit(): void {
    this.#input.value = this.#title;
    this.#setEditing(true);
    this.#input.focus();
    this.#input.select();
  }

  #close(): void {
    this.#setEditing(false);
    this.#rename.focus();
  }

  #setEditing(editing: boolean): void {
    this.#form.hidden = !editing;
    this.#heading.hidden = editing;
    this.#rename.hidden = editing;
  }

  async #submit(): Promise<void> {
    const checked = checkTitle(this.#input.value);
    if ('problem' in checked) {
      this.#options.report(checked.problem);
      this.#input.focus();
      return;
    }
    if (checked.title === this.#title) {
      this.#close();
      return;
    }
    this.#setBusy(true);
    const saved = await this.#options.save(checked.title).finally(() => this.#setBusy(false));
    if (saved) this.#close();
    else this.#input.focus();
  }

  #setBusy(busy: boolean): void {
    this.#input.disabled = busy;
    this.#save.disabled = busy;
    this.#cancel.disabled = busy;
    this.#save.textContent = busy ? 'Saving…' : 'Save';
  }
}

function button(text: string, testId: string, className: string): HTMLButtonElement {
  const node = element('button', className, text);
  node.type = 'button';
  node.dataset.testid = testId;
  return node;
}
