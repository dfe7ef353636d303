import { AVATAR_TYPES, PROFILE_LIMITS, type Profile } from '../../common/profile.js';
import { messageOf } from '../lib/node-error.js';

export interface AvatarPickerElements {
  input: HTMLInputElement;
  preview: HTMLImageElement;
  /** "No picture", shown instead of the preview. */
  none: HTMLElement;
  remove: HTMLButtonElement;
  /** The file button's text ("Choose a picture…", "Uploading…"). */
  label: HTMLElement;
}

export interface AvatarPickerOptions {
  upload: (picture: Blob) => Promise<Profile>;
  remove: () => Promise<Profile>;
  /** Problems go where the profile's do; '' clears them. */
  report: (message: string) => void;
}

const LIMIT_TEXT = `${PROFILE_LIMITS.avatarBytes / (1024 * 1024)} MB`;

/**
 * The busker's picture: chosen from a file, uploaded at once (the node checks type, size and bytes),
 * previewed from the node's own copy, and removable.
 */
export class AvatarPicker {
  readonly #el: AvatarPickerElements;
  readonly #options: AvatarPickerOptions;
  readonly #labelText: string;

  constructor(elements: AvatarPickerElements, options: AvatarPickerOptions) {
    this.#el = elements;
    this.#options = options;
    this.#labelText = elements.label.textContent ?? '';
    elements.input.accept = AVATAR_TYPES.join(',');
    elements.input.addEventListener('change', this.#onChange);
    elements.remove.addEventListener('click', this.#onRemove);
    elements.preview.addEventListener('error', this.#onBroken);
    this.show(null);
  }

  /** `avatarUrl` from the profile (null: none). */
  show(avatarUrl: string | null): void {
    const preview = this.#el.preview;
    if (avatarUrl === null) preview.removeAttribute('src');
    else if (preview.getAttribute('src') !== avatarUrl) preview.src = avatarUrl;
    preview.hidden = avatarUrl === null;
    this.#el.none.hidden = avatarUrl !== null;
    this.#el.remove.hidden = avatarUrl === null;
  }

  close(): void {
    this.#el.input.removeEventListener('change', this.#onChange);
    this.#el.remove.removeEventListener('click', this.#onRemove);
    this.#el.preview.removeEventListener('error', this.#onBroken);
  }

  readonly #onChange = async (): Promise<void> => {
    const file = this.#el.input.files?.[0];
    // The same file can be picked again after a refusal.
    this.#el.input.value = '';
    if (!file) return;
    if (!(AVATAR_TYPES as readonly string[]).includes(file.type)) {
      this.#options.report('Pick a JPEG, PNG or WebP picture.');
      return;
    }
    if (file.size > PROFILE_LIMITS.avatarBytes) {
      this.#options.report(`That picture is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the limit is ${LIMIT_TEXT}. Pick a smaller one.`);
      return;
    }
    await this.#run('Uploading…', () => this.#options.upload(file));
  };

  readonly #onRemove = (): void => void this.#run('Removing…', () => this.#options.remove());

  readonly #onBroken = (): void => {
    if (!this.#el.preview.hasAttribute('src')) return;
    this.#el.preview.hidden = true;
    this.#el.none.hidden = false;
  };

  async #run(busyText: string, action: () => Promise<Profile>): Promise<void> {
    this.#setBusy(busyText);
    this.#options.report('');
    try {
      const profile = await action();
      this.show(profile.avatarUrl);
    } catch (error) {
      this.#options.report(messageOf(error));
    } finally {
      this.#setBusy(undefined);
    }
  }

  #setBusy(text: string | undefined): void {
    this.#el.label.textContent = text ?? this.#labelText;
    this.#el.input.disabled = text !== undefined;
    this.#el.remove.disabled = text !== undefined;
  }
}
