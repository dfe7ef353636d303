import { PROFILE_LIMITS, type ProfileLink } from '../../common/profile.js';
import { element } from '../lib/dom.js';

export interface ProfileLinksElements {
  /** The `<ul>` of rows: label, address, Remove. */
  list: HTMLElement;
  add: HTMLButtonElement;
  /** "2/6". */
  count: HTMLElement;
}

/**
 * The profile's links as editable rows (label + address), at most six. Rows left wholly empty are
 * not links; a half-filled one is sent, so the node says what is missing.
 */
export class ProfileLinks {
  readonly #el: ProfileLinksElements;
  readonly #onChange: () => void;

  constructor(elements: ProfileLinksElements, onChange: () => void) {
    this.#el = elements;
    this.#onChange = onChange;
    elements.add.addEventListener('click', this.#onAdd);
    this.#render();
  }

  get value(): ProfileLink[] {
    const links: ProfileLink[] = [];
    for (const row of this.#rows()) {
      const label = row.label.value.trim();
      const url = row.url.value.trim();
      if (label || url) links.push({ label, url });
    }
    return links;
  }

  set(links: ProfileLink[]): void {
    this.#el.list.replaceChildren(...links.map((link) => this.#row(link)));
    this.#render();
  }

  close(): void {
    this.#el.add.removeEventListener('click', this.#onAdd);
  }

  readonly #onAdd = (): void => {
    if (this.#el.list.childElementCount >= PROFILE_LIMITS.links) return;
    const row = this.#row({ label: '', url: '' });
    this.#el.list.append(row);
    this.#render();
    row.querySelector('input')?.focus();
    this.#onChange();
  };

  #row(link: ProfileLink): HTMLLIElement {
    const row = element('li', 'link-row');
    row.dataset.testid = 'profile-link';
    const label = element('input', 'link-label');
    label.type = 'text';
    label.value = link.label;
    label.placeholder = 'Label, e.g. Bandcamp';
    label.autocomplete = 'off';
    label.dataset.testid = 'profile-link-label';
    label.setAttribute('aria-label', 'Link label');
    const url = element('input', 'link-url');
    url.type = 'url';
    url.value = link.url;
    url.placeholder = 'https://…';
    url.autocomplete = 'off';
    url.spellcheck = false;
    url.dataset.testid = 'profile-link-url';
    url.setAttribute('aria-label', 'Link address');
    const remove = element('button', 'button button-small link-remove', 'Remove');
    remove.type = 'button';
    remove.dataset.testid = 'profile-link-remove';
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.#render();
      (next?.querySelector('input') ?? this.#el.add).focus();
      this.#onChange();
    });
    const updateLabel = () => remove.setAttribute('aria-label', `Remove the link ${label.value.trim() || '(no label)'}`);
    label.addEventListener('input', updateLabel);
    updateLabel();
    row.append(label, url, remove);
    return row;
  }

  *#rows(): Generator<{ label: HTMLInputElement; url: HTMLInputElement }> {
    for (const row of this.#el.list.children) {
      const label = row.querySelector<HTMLInputElement>('.link-label');
      const url = row.querySelector<HTMLInputElement>('.link-url');
      if (label && url) yield { label, url };
    }
  }

  #render(): void {
    const count = this.#el.list.childElementCount;
    this.#el.count.textContent = `${count}/${PROFILE_LIMITS.links}`;
    this.#el.add.disabled = count >= PROFILE_LIMITS.links;
    this.#el.add.title = count >= PROFILE_LIMITS.links ? `At most ${PROFILE_LIMITS.links} links` : '';
  }
}
