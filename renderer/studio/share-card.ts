import type { Share } from '../../common/api.js';
import { SHARE_QR_URL } from '../lib/api.js';

export interface ShareCardElements {
  url: HTMLElement;
  copy: HTMLButtonElement;
  qr: HTMLImageElement;
  /** The node's other addresses (e.g. localhost), in a box hidden when there are none. */
  others: HTMLElement;
  othersBox: HTMLElement;
  /** "Show big": the code and the address filling the screen. */
  big: HTMLButtonElement;
}

/** The viewer URL, big and copyable, and its QR code, for passers-by to open on their phones. */
export class ShareCard {
  readonly #el: ShareCardElements;
  readonly #showBig: (src: string, url: string) => void;
  #resetLabel: ReturnType<typeof setTimeout> | undefined;

  constructor(elements: ShareCardElements, showBig: (src: string, url: string) => void) {
    this.#el = elements;
    this.#showBig = showBig;
    elements.copy.addEventListener('click', this.#copy);
    elements.big.addEventListener('click', this.#onBig);
  }

  show(share: Share): void {
    const url = share.viewerUrl;
    this.#el.url.textContent = url;
    // A fresh URL each time: the QR depends on the node's current addresses.
    this.#el.qr.src = `${SHARE_QR_URL}?t=${Date.now()}`;
    this.#el.qr.alt = `QR code for ${url}`;
    const others = share.viewerUrls.filter((other) => other !== url);
    this.#el.others.replaceChildren(
      ...others.map((other) => {
        const item = document.createElement('li');
        item.textContent = other;
        return item;
      }),
    );
    this.#el.othersBox.hidden = others.length === 0;
  }

  close(): void {
    clearTimeout(this.#resetLabel);
    this.#el.copy.removeEventListener('click', this.#copy);
    this.#el.big.removeEventListener('click', this.#onBig);
  }

  readonly #onBig = (): void => this.#showBig(this.#el.qr.src, this.#el.url.textContent ?? '');

  readonly #copy = async (): Promise<void> => {
    const text = this.#el.url.textContent ?? '';
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      // No clipboard API (not a secure context): select the text for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(this.#el.url);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    this.#el.copy.textContent = copied ? 'Copied ✓' : 'Selected — press Ctrl+C';
    clearTimeout(this.#resetLabel);
    this.#resetLabel = setTimeout(() => (this.#el.copy.textContent = 'Copy link'), 2000);
  };
}
