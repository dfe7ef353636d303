import type { RecordingEvent } from '../lib/events-client.js';

export interface RecordingStatusElements {
  /** `off`, `recording` or `failed`, as the node says (beside "● REC" in the top bar). */
  state: HTMLElement;
  /** The banner shown while the recorder has failed; hidden otherwise. */
  warning: HTMLElement;
  /** "Recording stopped: <reason>." */
  warningTitle: HTMLElement;
  /** What it means for the set: the live stream goes on. */
  warningDetail: HTMLElement;
}

/**
 * The recorder's state from the events socket: "● REC" beside the live state, and a banner that
 * does not get in the way when recording stops mid-set (the live stream is not affected).
 * `body[data-recording]` lets the stylesheet mark the preview too.
 */
export class RecordingStatus {
  readonly #el: RecordingStatusElements;
  #recording: RecordingEvent = { state: 'off' };
  #onAir = false;

  constructor(elements: RecordingStatusElements) {
    this.#el = elements;
    this.#render();
  }

  show(recording: RecordingEvent): void {
    this.#recording = recording;
    this.#render();
  }

  /** Whether the set is on air: the banner's explanation depends on it. */
  setOnAir(onAir: boolean): void {
    if (onAir === this.#onAir) return;
    this.#onAir = onAir;
    this.#render();
  }

  #render(): void {
    const { state, reason } = this.#recording;
    document.body.dataset.recording = state;
    this.#el.state.textContent = state;
    this.#el.warning.hidden = state !== 'failed';
    if (state !== 'failed') return;
    this.#el.warningTitle.textContent = `Recording stopped: ${reason || 'unknown reason'}.`;
    const what = this.#onAir
      ? 'You are still live: viewers keep watching. Only the recording of this set has stopped; what was recorded so far is in the Library.'
      : 'The last set was not recorded to the end; what was recorded is in the Library.';
    const advice = reason?.startsWith('disk') ? ' Free some space on this laptop so the next set is recorded.' : '';
    this.#el.warningDetail.textContent = what + advice;
  }
}
