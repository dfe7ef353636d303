import { messageOf } from '../lib/node-error.js';

export interface ConfirmDialogElements {
  dialog: HTMLDialogElement;
  /** What is about to go (the set's date and title). */
  subject: HTMLElement;
  /** Why the action failed, shown in the dialog so it can be tried again. */
  problem: HTMLElement;
  cancel: HTMLButtonElement;
  confirm: HTMLButtonElement;
  /** The confirm button's label while the action runs ("Deleting…"). */
  busyLabel: string;
}

/**
 * An in-page modal "are you sure?" (a `<dialog>`: focus stays inside, Escape cancels, Cancel has
 * the focus first). The action runs while the dialog is open; its error is shown there as is.
 */
export class ConfirmDialog {
  readonly #el: ConfirmDialogElements;
  readonly #confirmLabel: string;
  #pending: { run: () => Promise<void>; done: (confirmed: boolean) => void } | undefined;
  #busy = false;

  constructor(elements: ConfirmDialogElements) {
    this.#el = elements;
    this.#confirmLabel = elements.confirm.textContent ?? 'OK';
    elements.cancel.addEventListener('click', () => this.#finish(false));
    elements.confirm.addEventListener('click', () => void this.#confirm());
    // Escape: a cancel, unless the action is already under way.
    elements.dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      if (!this.#busy) this.#finish(false);
    });
  }

  /** Resolves true once `run` succeeded, false when cancelled. */
  ask(subject: string, run: () => Promise<void>): Promise<boolean> {
    this.#finish(false);
    this.#el.subject.textContent = subject;
    this.#setProblem('');
    this.#setBusy(false);
    return new Promise((done) => {
      this.#pending = { run, done };
      this.#el.dialog.showModal();
      this.#el.cancel.focus();
    });
  }

  async #confirm(): Promise<void> {
    const pending = this.#pending;
    if (!pending || this.#busy) return;
    this.#setBusy(true);
    this.#setProblem('');
    try {
      await pending.run();
      if (this.#pending === pending) this.#finish(true);
    } catch (error) {
      if (this.#pending === pending) this.#setProblem(messageOf(error));
    } finally {
      if (this.#pending === pending) this.#setBusy(false);
    }
  }

  #finish(confirmed: boolean): void {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#busy = false;
    if (this.#el.dialog.open) this.#el.dialog.close();
    pending?.done(confirmed);
  }

  #setBusy(busy: boolean): void {
    this.#busy = busy;
    this.#el.confirm.disabled = busy;
    this.#el.cancel.disabled = busy;
    this.#el.confirm.textContent = busy ? this.#el.busyLabel : this.#confirmLabel;
  }

  #setProblem(message: string): void {
    this.#el.problem.textContent = message;
    this.#el.problem.hidden = message === '';
  }
}
