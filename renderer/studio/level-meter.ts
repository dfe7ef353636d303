/** Below this the meter is empty; 0 dBFS fills it. */
const FLOOR_DB = -60;

/**
 * The microphone's level as a bar, so the busker sees at a glance that the mic hears the music and
 * does not clip. AudioContext + AnalyserNode, drawn on animation frames only while the page is
 * visible; `close()` frees the audio graph and every listener.
 */
export class LevelMeter {
  readonly #meter: HTMLElement;
  readonly #fill: HTMLElement;
  #context: AudioContext | undefined;
  #source: MediaStreamAudioSourceNode | undefined;
  #analyser: AnalyserNode | undefined;
  #samples: Float32Array<ArrayBuffer> | undefined;
  #frame: number | undefined;
  #level = 0;
  #lastAria = 0;
  #closed = false;

  constructor(meter: HTMLElement) {
    this.#meter = meter;
    const fill = meter.querySelector<HTMLElement>('.meter-fill');
    if (!fill) throw new Error('The level meter has no .meter-fill.');
    this.#fill = fill;
    document.addEventListener('visibilitychange', this.#onVisibility);
    // Browsers start an AudioContext suspended until the page is touched.
    document.addEventListener('pointerdown', this.#resume);
    document.addEventListener('keydown', this.#resume);
  }

  /** Listens to this microphone track (or to nothing). */
  setTrack(track: MediaStreamTrack | undefined): void {
    if (this.#closed) return;
    this.#source?.disconnect();
    this.#source = undefined;
    if (!track) {
      this.#stopDrawing();
      this.#draw(0);
      return;
    }
    this.#context ??= new AudioContext();
    if (!this.#analyser) {
      this.#analyser = this.#context.createAnalyser();
      this.#analyser.fftSize = 1024;
      this.#samples = new Float32Array(this.#analyser.fftSize);
    }
    this.#source = this.#context.createMediaStreamSource(new MediaStream([track]));
    this.#source.connect(this.#analyser);
    this.#resume();
    this.#startDrawing();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopDrawing();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    document.removeEventListener('pointerdown', this.#resume);
    document.removeEventListener('keydown', this.#resume);
    this.#source?.disconnect();
    void this.#context?.close().catch(() => undefined);
    this.#context = this.#source = this.#analyser = undefined;
  }

  readonly #resume = (): void => {
    if (this.#context?.state === 'suspended') void this.#context.resume().catch(() => undefined);
  };

  readonly #onVisibility = (): void => {
    if (document.visibilityState === 'visible' && this.#source) this.#startDrawing();
    else this.#stopDrawing();
  };

  #startDrawing(): void {
    if (this.#frame === undefined && document.visibilityState === 'visible') this.#frame = requestAnimationFrame(this.#tick);
  }

  #stopDrawing(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
  }

  readonly #tick = (): void => {
    this.#frame = undefined;
    const analyser = this.#analyser;
    const samples = this.#samples;
    if (!analyser || !samples || this.#closed) return;
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    const db = peak > 0 ? 20 * Math.log10(peak) : FLOOR_DB;
    const target = Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
    // Fast attack, slow release: peaks show at once, the bar falls smoothly.
    this.#level = target > this.#level ? target : Math.max(target, this.#level - 0.015);
    this.#draw(this.#level, peak >= 0.99);
    this.#frame = requestAnimationFrame(this.#tick);
  };

  #draw(level: number, clipping = false): void {
    this.#fill.style.transform = `scaleX(${level.toFixed(3)})`;
    this.#meter.classList.toggle('clipping', clipping);
    const now = performance.now();
    if (now - this.#lastAria > 250 || level === 0) {
      this.#lastAria = now;
      this.#meter.setAttribute('aria-valuenow', String(Math.round(level * 100)));
    }
  }
}
