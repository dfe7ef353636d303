import { element } from '../../lib/dom.js';
import { clamp, formatClock, type Range } from './range.js';

/**
 * The editor's <video>, with its own small transport (play, time, loop) instead of the browser's
 * controls — the timeline is the scrubber, and Space must not be handled twice. Loop keeps
 * playback inside [in, out]. A pending seek is reported as the position, so the playhead does not
 * jump back while the video catches up.
 */
export class Player {
  readonly video: HTMLVideoElement;
  readonly transport: HTMLElement;
  readonly #play: HTMLButtonElement;
  readonly #time: HTMLElement;
  readonly #loopButton: HTMLButtonElement;
  readonly #durationMs: number;
  readonly #range: () => Range;
  readonly #onTime: (ms: number) => void;
  readonly #onProblem: (message: string) => void;
  #loop = false;
  #pendingMs: number | undefined;
  #frame = 0;

  constructor(mediaUrl: string, durationMs: number, range: () => Range, onTime: (ms: number) => void, onProblem: (message: string) => void) {
    this.#durationMs = durationMs;
    this.#range = range;
    this.#onTime = onTime;
    this.#onProblem = onProblem;
    this.video = element('video', 'ce-video');
    this.video.dataset.testid = 'editor-video';
    this.video.preload = 'auto';
    this.video.playsInline = true;
    this.video.src = mediaUrl;

    this.#play = element('button', 'button button-small ce-play', 'Play');
    this.#play.type = 'button';
    this.#play.dataset.testid = 'editor-play';
    this.#play.title = 'Play or pause (Space)';
    this.#play.addEventListener('click', () => this.toggle());
    this.#time = element('span', 'ce-time');
    this.#time.dataset.testid = 'editor-time';
    this.#loopButton = element('button', 'button button-small ce-loop', 'Loop range');
    this.#loopButton.type = 'button';
    this.#loopButton.dataset.testid = 'editor-loop';
    this.#loopButton.title = 'Play the range over and over (L)';
    this.#loopButton.setAttribute('aria-pressed', 'false');
    this.#loopButton.addEventListener('click', () => this.toggleLoop());
    this.transport = element('div', 'ce-transport');
    this.transport.append(this.#play, this.#time, this.#loopButton);

    for (const type of ['play', 'pause', 'ended']) this.video.addEventListener(type, this.#onPlayState);
    for (const type of ['timeupdate', 'loadedmetadata']) this.video.addEventListener(type, this.#report);
    this.video.addEventListener('seeked', this.#onSeeked);
    this.video.addEventListener('error', this.#onError);
    this.video.addEventListener('click', this.#onClick);
    this.#renderTime(0);
  }

  /** The playhead, ms: where a pending seek is going, else where the video is. */
  get positionMs(): number {
    return this.#pendingMs ?? this.video.currentTime * 1000;
  }

  get looping(): boolean {
    return this.#loop;
  }

  seek(ms: number): void {
    const target = clamp(ms, 0, this.#durationMs);
    this.#pendingMs = target;
    this.video.currentTime = target / 1000;
    this.#report();
  }

  toggle(): void {
    if (this.video.paused || this.video.ended) this.play();
    else this.video.pause();
  }

  play(): void {
    if (this.#loop) this.#keepInRange(true);
    // Refused autoplay (no gesture yet) simply leaves it paused; the button says so.
    this.video.play().catch(() => undefined);
  }

  toggleLoop(): void {
    this.#loop = !this.#loop;
    this.#loopButton.setAttribute('aria-pressed', String(this.#loop));
    this.#loopButton.classList.toggle('is-on', this.#loop);
    if (this.#loop) this.play();
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    for (const type of ['play', 'pause', 'ended']) this.video.removeEventListener(type, this.#onPlayState);
    for (const type of ['timeupdate', 'loadedmetadata']) this.video.removeEventListener(type, this.#report);
    this.video.removeEventListener('seeked', this.#onSeeked);
    this.video.removeEventListener('error', this.#onError);
    this.video.removeEventListener('click', this.#onClick);
    // Release the decoder and the connection now, not when the element is collected.
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
  }

  /** While looping: outside the range, or at its end, back to the in point. */
  #keepInRange(starting: boolean): void {
    const { inMs, outMs } = this.#range();
    const at = this.positionMs;
    // A frame's slack at the end, so the last frame before out is not skipped.
    if (at < inMs - (starting ? 0 : 50) || at >= outMs - 15) this.seek(inMs);
  }

  readonly #tick = (): void => {
    this.#frame = 0;
    if (this.video.paused) return;
    if (this.#loop) this.#keepInRange(false);
    this.#report();
    this.#frame = requestAnimationFrame(this.#tick);
  };

  readonly #onPlayState = (): void => {
    const playing = !this.video.paused && !this.video.ended;
    this.#play.textContent = playing ? 'Pause' : 'Play';
    this.#play.setAttribute('aria-pressed', String(playing));
    if (playing && !this.#frame) this.#frame = requestAnimationFrame(this.#tick);
    // Looping through the end of the recording: start the range again.
    if (this.video.ended && this.#loop) this.play();
    this.#report();
  };

  readonly #onSeeked = (): void => {
    // Only when the last seek landed: an earlier one must not clear a newer target.
    if (!this.video.seeking) this.#pendingMs = undefined;
    this.#report();
  };

  readonly #report = (): void => {
    const ms = this.positionMs;
    this.#renderTime(ms);
    this.#onTime(ms);
  };

  /** A click on the picture (outside the 9:16 window, which has its own) plays or pauses. */
  readonly #onClick = (): void => this.toggle();

  readonly #onError = (): void => {
    this.#onProblem('This recording could not be played. Its link may have expired: close the editor and open it again.');
  };

  #renderTime(ms: number): void {
    this.#time.textContent = `${formatClock(ms)} / ${formatClock(this.#durationMs)}`;
  }
}
