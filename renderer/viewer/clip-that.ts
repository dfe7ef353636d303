import type { ClientEvent } from '../../common/events.js';
import { Cooldown, secondsLeft } from './cooldown.js';
import { MARKER_COOLDOWN_MS } from '../../common/limits.js';

export interface ClipThatOptions {
  button: HTMLButtonElement;
  /** The confirmation ("Marked! 3 people loved this moment") or why the tap did not count. */
  ack: HTMLElement;
  /** Sends on the events socket; false when it is not open. */
  send: (event: ClientEvent) => boolean;
}

/** A tap with no answer after this long (the node may ignore taps it does not count) frees the button. */
const PENDING_MS = 5000;
const ACK_SHOWN_MS = 4000;
const ERROR_SHOWN_MS = 6000;
const LABEL = 'Clip that!';

/**
 * "Clip that!": a viewer says "this moment was great", and the busker finds it later in the
 * recording. Shown only while live. The node counts one tap per viewer per cooldown, so after a
 * counted tap the button rests for that long and shows it (a bar that runs out, seconds left).
 */
export class ClipThat {
  readonly #button: HTMLButtonElement;
  readonly #ack: HTMLElement;
  readonly #send: ClipThatOptions['send'];
  readonly #cooldown: Cooldown;
  #pendingTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor({ button, ack, send }: ClipThatOptions) {
    this.#button = button;
    this.#ack = ack;
    this.#send = send;
    this.#cooldown = new Cooldown(
      (left) => (this.#button.textContent = `Again in ${secondsLeft(left)}`),
      () => this.#update(),
    );
    button.style.setProperty('--cooldown-ms', `${MARKER_COOLDOWN_MS}ms`);
    button.addEventListener('click', this.#onTap);
    this.#update();
  }

  /** True while a tap awaits `marked` or a refusal (an error now is probably about it). */
  get awaitingAnswer(): boolean {
    return this.#pendingTimer !== undefined;
  }

  setLive(live: boolean): void {
    this.#button.hidden = !live;
    if (!live) this.#hideAck();
  }

  /** The tap counted: `count` viewers are in this moment now. */
  marked(count: number): void {
    this.#endPending();
    const people = count === 1 ? '1 person' : `${count} people`;
    this.#showAck(`Marked! ${people} loved this moment`, false);
    this.#cooldown.start(MARKER_COOLDOWN_MS);
    this.#update();
  }

  /** The node's refusal ("not live"…) or ours ("not connected"), as worded. */
  showError(message: string): void {
    this.#endPending();
    this.#showAck(message, true);
    this.#update();
  }

  close(): void {
    this.#endPending();
    this.#cooldown.stop();
    clearTimeout(this.#ackTimer);
    this.#button.removeEventListener('click', this.#onTap);
  }

  readonly #onTap = (): void => {
    if (this.#pendingTimer !== undefined || this.#cooldown.active) return;
    if (!this.#send({ type: 'clip-that' })) {
      this.showError('Not connected to the busker right now. Try again in a moment.');
      return;
    }
    this.#pendingTimer = setTimeout(() => this.#endPending(), PENDING_MS);
    this.#update();
  };

  #endPending(): void {
    if (this.#pendingTimer === undefined) return;
    clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    this.#update();
  }

  #showAck(text: string, isError: boolean): void {
    clearTimeout(this.#ackTimer);
    this.#ack.textContent = text;
    this.#ack.classList.toggle('error', isError);
    this.#ack.hidden = false;
    this.#ackTimer = setTimeout(() => this.#hideAck(), isError ? ERROR_SHOWN_MS : ACK_SHOWN_MS);
  }

  #hideAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#ack.hidden = true;
    this.#ack.textContent = '';
  }

  #update(): void {
    const cooling = this.#cooldown.active;
    this.#button.disabled = cooling || this.#pendingTimer !== undefined;
    // The class restarts the CSS bar that runs out over the cooldown.
    this.#button.classList.toggle('cooling', cooling);
    if (!cooling) this.#button.textContent = LABEL;
  }
}
