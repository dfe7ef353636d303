import type { Status } from '../../common/api.js';

export interface SetViewElements {
  title: HTMLElement;
  /** Shown instead of the title when the busker gave none. */
  fallbackTitle: HTMLElement;
  hashtags: HTMLElement;
  description: HTMLElement;
  viewerCount: HTMLElement;
  /** "<title> is not live right now". */
  offlineHeadline: HTMLElement;
}

/** The busker's words on the viewer page. Always `textContent`: this text comes from outside. */
export class SetView {
  readonly #el: SetViewElements;

  constructor(elements: SetViewElements) {
    this.#el = elements;
  }

  show(status: Status): void {
    const { title, hashtags, description } = status.set;
    this.#el.title.textContent = title;
    this.#el.title.hidden = title === '';
    this.#el.fallbackTitle.hidden = title !== '';
    this.#el.hashtags.replaceChildren(
      ...hashtags.map((tag) => {
        const chip = document.createElement('li');
        chip.textContent = `#${tag}`;
        return chip;
      }),
    );
    this.#el.hashtags.hidden = hashtags.length === 0;
    this.#el.description.textContent = description;
    this.#el.description.hidden = description === '';
    this.#el.offlineHeadline.textContent = `${title || 'The busker'} is not live right now`;
    document.title = title ? `${title} · Curbcast` : 'Live street music · Curbcast';
    this.count(status.viewers);
  }

  count(viewers: number): void {
    this.#el.viewerCount.textContent = String(viewers);
  }
}
