export interface QrDialogElements {
  dialog: HTMLDialogElement;
  code: HTMLImageElement;
  url: HTMLElement;
  close: HTMLButtonElement;
}

/**
 * The viewer QR code filling the screen, for when the busker turns the laptop to the crowd: the
 * share card's own code is smaller, so the chat fits beside the controls. Escape, Close or a click
 * outside the code closes it.
 */
export class QrDialog {
  readonly #el: QrDialogElements;

  constructor(elements: QrDialogElements) {
    this.#el = elements;
    elements.close.addEventListener('click', this.#close);
    elements.dialog.addEventListener('click', this.#onClick);
  }

  open(src: string, url: string): void {
    this.#el.code.src = src;
    this.#el.code.alt = `QR code for ${url}`;
    this.#el.url.textContent = url;
    if (!this.#el.dialog.open) this.#el.dialog.showModal();
    this.#el.close.focus();
  }

  close(): void {
    this.#close();
    this.#el.close.removeEventListener('click', this.#close);
    this.#el.dialog.removeEventListener('click', this.#onClick);
  }

  readonly #close = (): void => {
    if (this.#el.dialog.open) this.#el.dialog.close();
  };

  /** A click on the backdrop lands on the dialog element itself. */
  readonly #onClick = (event: MouseEvent): void => {
    if (event.target === this.#el.dialog) this.#close();
  };
}
