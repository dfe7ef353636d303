import { PROFILE_LIMITS, type Profile, type ProfileInput } from '../../common/profile.js';
import { visibleLength } from '../../common/text.js';
import { messageOf } from '../lib/node-error.js';
import type { AvatarPicker } from './avatar-picker.js';
import type { ProfileLinks } from './profile-links.js';

export interface ProfileEditorElements {
  form: HTMLFormElement;
  name: HTMLInputElement;
  nameCount: HTMLElement;
  bio: HTMLTextAreaElement;
  bioCount: HTMLElement;
  save: HTMLButtonElement;
  /** "Saved — viewers see it now", "Not saved yet…". */
  note: HTMLElement;
  /** The node's refusal, as is. */
  error: HTMLElement;
}

export interface ProfileEditorParts {
  links: ProfileLinks;
  avatar: AvatarPicker;
  save: (input: ProfileInput) => Promise<Profile>;
}

/**
 * Name, bio and links (saved with the button; the node checks them and its message is shown as
 * is), and the picture (saved at once by the AvatarPicker). The node's profile arrives with every
 * `page` event; it fills the form only while the busker has nothing unsaved in it.
 */
export class ProfileEditor {
  readonly #el: ProfileEditorElements;
  readonly #parts: ProfileEditorParts;
  #dirty = false;

  constructor(elements: ProfileEditorElements, parts: ProfileEditorParts) {
    this.#el = elements;
    this.#parts = parts;
    elements.form.addEventListener('input', this.#onInput);
    elements.form.addEventListener('submit', this.#onSubmit);
    this.#count();
  }

  /** The node's profile (GET /api/page, `page` events, an upload's answer). */
  show(profile: Profile): void {
    this.#parts.avatar.show(profile.avatarUrl);
    if (this.#dirty) return;
    this.#el.name.value = profile.name;
    this.#el.bio.value = profile.bio;
    this.#parts.links.set(profile.links);
    this.#count();
  }

  /** Problems with the profile or the picture, shown as the node wrote them; '' clears. */
  report(message: string): void {
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }

  /** Links were added or removed (that is an edit too). */
  changed(): void {
    this.#dirty = true;
    this.#note('Not saved yet…');
  }

  close(): void {
    this.#el.form.removeEventListener('input', this.#onInput);
    this.#el.form.removeEventListener('submit', this.#onSubmit);
  }

  readonly #onInput = (event: Event): void => {
    // The picture's file input lives in the form but saves by itself.
    if (event.target instanceof HTMLInputElement && event.target.type === 'file') return;
    this.changed();
    this.#count();
  };

  readonly #onSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const input: ProfileInput = { name: this.#el.name.value, bio: this.#el.bio.value, links: this.#parts.links.value };
    this.#el.save.disabled = true;
    this.report('');
    this.#note('Saving…');
    try {
      const profile = await this.#parts.save(input);
      this.#dirty = false;
      this.show(profile);
      this.#note('Saved — viewers see it now');
    } catch (error) {
      this.#note('Not saved');
      this.report(messageOf(error));
    } finally {
      this.#el.save.disabled = false;
    }
  };

  #count(): void {
    const name = visibleLength(this.#el.name.value.trim());
    const bio = visibleLength(this.#el.bio.value.trim());
    this.#el.nameCount.textContent = `${name}/${PROFILE_LIMITS.name}`;
    this.#el.bioCount.textContent = `${bio}/${PROFILE_LIMITS.bio}`;
    this.#el.nameCount.classList.toggle('over', name > PROFILE_LIMITS.name);
    this.#el.bioCount.classList.toggle('over', bio > PROFILE_LIMITS.bio);
  }

  #note(text: string): void {
    this.#el.note.textContent = text;
  }
}
