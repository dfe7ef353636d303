import { isQualityPreference, type QualityPreference } from '../../common/quality.js';

export interface QualityMenuElements {
  box: HTMLElement;
  select: HTMLSelectElement;
  /** Shows the picture's size as it plays ("360p"): what Auto chose, or what was asked for. */
  size: HTMLElement;
  video: HTMLVideoElement;
}

/**
 * Auto / High / Medium / Low under the picture. The node sends a smaller layer to a phone whose link cannot
 * carry the best one; the viewer can also pin one. Shown while the picture plays.
 */
export class QualityMenu {
  readonly #elements: QualityMenuElements;
  readonly #apply: (quality: QualityPreference) => Promise<boolean>;

  constructor(elements: QualityMenuElements, apply: (quality: QualityPreference) => Promise<boolean>) {
    this.#elements = elements;
    this.#apply = apply;
    elements.select.addEventListener('change', this.#onChange);
    elements.video.addEventListener('resize', this.#showSize);
  }

  /** Visible only while there is a picture to choose for. */
  setPlaying(playing: boolean): void {
    this.#elements.box.hidden = !playing;
    this.#showSize();
  }

  close(): void {
    this.#elements.select.removeEventListener('change', this.#onChange);
    this.#elements.video.removeEventListener('resize', this.#showSize);
  }

  readonly #onChange = (): void => {
    const quality = this.#elements.select.value;
    if (isQualityPreference(quality)) void this.#apply(quality);
  };

  readonly #showSize = (): void => {
    const height = this.#elements.video.videoHeight;
    this.#elements.size.textContent = height > 0 ? `${height}p` : '';
  };
}
