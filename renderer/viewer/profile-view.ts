import type { Profile } from '../../common/profile.js';
import { element } from '../lib/dom.js';

export interface ProfileViewElements {
  /** The whole header: hidden while the busker has filled in nothing. */
  root: HTMLElement;
  avatar: HTMLImageElement;
  name: HTMLElement;
  bio: HTMLElement;
  links: HTMLUListElement;
}

/**
 * Who the busker is: picture, name, a few words and their links. Text goes in as `textContent`
 * only; links arrive already limited to http(s) (lib/events-guard.ts) and open in a new tab
 * with no referrer and no ranking credit (anyone can be "the busker" on their own node).
 */
export class ProfileView {
  readonly #el: ProfileViewElements;

  constructor(elements: ProfileViewElements) {
    this.#el = elements;
    // A broken or removed avatar is hidden, not shown as a broken-image icon.
    elements.avatar.addEventListener('error', this.#hideAvatar);
  }

  show({ name, bio, links, avatarUrl }: Profile): void {
    const { root, avatar, name: nameEl, bio: bioEl, links: list } = this.#el;
    if (avatarUrl) {
      if (avatar.getAttribute('src') !== avatarUrl) avatar.src = avatarUrl;
      avatar.hidden = false;
    } else {
      avatar.removeAttribute('src');
      avatar.hidden = true;
    }
    nameEl.textContent = name;
    nameEl.hidden = name === '';
    bioEl.textContent = bio;
    bioEl.hidden = bio === '';
    list.replaceChildren(...links.map(({ label, url }) => linkItem(label, url)));
    list.hidden = links.length === 0;
    root.hidden = !avatarUrl && !name && !bio && links.length === 0;
  }

  close(): void {
    this.#el.avatar.removeEventListener('error', this.#hideAvatar);
  }

  readonly #hideAvatar = (): void => {
    this.#el.avatar.hidden = true;
  };
}

function linkItem(label: string, url: string): HTMLLIElement {
  const link = element('a', 'profile-link', label);
  link.href = url;
  link.target = '_blank';
  link.rel = 'noopener noreferrer nofollow';
  const item = element('li');
  item.append(link);
  return item;
}
