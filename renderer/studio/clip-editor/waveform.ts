import type { Input } from 'mediabunny';
import { fitCanvas, loadMediabunny, type Gate } from './media.js';

/** Columns of peaks kept, whatever the width (drawn scaled); about a screen's width. */
const MIN_COLUMNS = 300;
const MAX_COLUMNS = 3000;
/** Every Nth sample is enough to find a column's peak at 48 kHz, and 4× cheaper. */
const STRIDE = 4;

/**
 * The sound along the timeline: the recording's audio decoded in the page (mediabunny reads the
 * packets, WebCodecs decodes them), folded into one peak per column, drawn left to right as it
 * decodes. A long set reads the whole file, so it is progressive, pauses while an export runs,
 * and stops when the editor closes.
 */
export class Waveform {
  readonly #canvas: HTMLCanvasElement;
  readonly #durationMs: number;
  #peaks = new Float32Array(0);
  /** Columns decoded so far (from the left). */
  #filled = 0;
  #frame = 0;

  constructor(canvas: HTMLCanvasElement, durationMs: number) {
    this.#canvas = canvas;
    this.#durationMs = durationMs;
  }

  /**
   * Decodes and draws. Resolves when done or aborted; rejects with a message for the busker when
   * the recording's sound cannot be read here (no audio track, a codec this browser lacks).
   *
   * The packets are decoded with WebCodecs directly, each output placed at its own packet's time:
   * Chromium's decoder numbers its outputs as one continuous stream, so after a gap in the
   * recording (WebRTC loses audio under load) its timestamps — and mediabunny's AudioSampleSink,
   * which trusts them — run early by the gap, and the waveform would drift off the video.
   */
  async load(input: Input, signal: AbortSignal, gate: Gate): Promise<void> {
    const mb = await loadMediabunny();
    const track = await input.getPrimaryAudioTrack();
    if (signal.aborted) return;
    if (!track) throw new Error('This recording has no sound.');
    const config = await track.getDecoderConfig();
    if (!config || typeof AudioDecoder === 'undefined' || !(await AudioDecoder.isConfigSupported(config)).supported) {
      throw new Error('This browser cannot decode the recording’s sound.');
    }
    fitCanvas(this.#canvas);
    const columns = Math.max(MIN_COLUMNS, Math.min(MAX_COLUMNS, this.#canvas.width || 1000));
    this.#peaks = new Float32Array(columns);
    const seconds = this.#durationMs / 1000;
    /** Packet times waiting for their decoded output (one each, in order). */
    const times: number[] = [];
    let scratch: Float32Array = new Float32Array(0);
    let failure: unknown;
    const decoder = new AudioDecoder({
      output: (data) => {
        try {
          const at = times.shift() ?? data.timestamp / 1e6;
          if (!signal.aborted) scratch = this.#fold(data, at, seconds, columns, scratch);
        } finally {
          data.close();
        }
      },
      error: (error) => {
        failure = error;
      },
    });
    decoder.configure(config);
    const packets = new mb.EncodedPacketSink(track).packets();
    try {
      for await (const packet of packets) {
        if (signal.aborted || failure !== undefined) break;
        if (packet.timestamp > seconds) break;
        times.push(packet.timestamp);
        decoder.decode(packet.toEncodedAudioChunk());
        // Keep a few packets in flight, no more: memory stays flat on a long set.
        while (decoder.decodeQueueSize > 16 && decoder.state === 'configured') {
          // (A decoder closed by an error never dequeues again: look again after a moment.)
          await new Promise((resolve) => {
            decoder.addEventListener('dequeue', resolve, { once: true });
            setTimeout(resolve, 200);
          });
        }
        this.#scheduleDraw();
        await gate.pass();
      }
      if (!signal.aborted && failure === undefined && decoder.state === 'configured') await decoder.flush();
    } finally {
      await packets.return(undefined).catch(() => undefined);
      if (decoder.state !== 'closed') decoder.close();
    }
    if (failure !== undefined && !signal.aborted) throw failure instanceof Error ? failure : new Error(String(failure));
    if (!signal.aborted) {
      this.#filled = columns;
      this.#scheduleDraw();
    }
  }

  /** One decoded block into the peaks; returns the (maybe grown) scratch buffer. */
  #fold(data: AudioData, at: number, seconds: number, columns: number, scratch: Float32Array): Float32Array {
    const frames = data.numberOfFrames;
    const buffer = scratch.length >= frames ? scratch : new Float32Array(frames);
    const perFrame = columns / (seconds * data.sampleRate);
    const firstColumn = (at / seconds) * columns;
    for (let channel = 0; channel < data.numberOfChannels; channel++) {
      data.copyTo(buffer, { planeIndex: channel, format: 'f32-planar', frameCount: frames });
      for (let i = 0; i < frames; i += STRIDE) {
        const column = Math.floor(firstColumn + i * perFrame);
        if (column < 0 || column >= columns) continue;
        const level = Math.abs(buffer[i] ?? 0);
        if (level > (this.#peaks[column] ?? 0)) this.#peaks[column] = level;
      }
    }
    this.#filled = Math.max(this.#filled, Math.min(columns, Math.floor(firstColumn + frames * perFrame)));
    return buffer;
  }

  /** Redraws at the canvas's current size (columns folded or stretched to its pixels). */
  draw(): void {
    if (!fitCanvas(this.#canvas)) return;
    const context = this.#canvas.getContext('2d');
    if (!context) return;
    const { width, height } = this.#canvas;
    context.clearRect(0, 0, width, height);
    const columns = this.#peaks.length;
    if (columns === 0) return;
    const middle = height / 2;
    context.fillStyle = '#0a7a3a';
    const drawn = Math.floor((this.#filled / columns) * width);
    for (let x = 0; x < drawn; x++) {
      const from = Math.floor((x / width) * columns);
      const to = Math.max(from + 1, Math.floor(((x + 1) / width) * columns));
      let peak = 0;
      for (let c = from; c < to; c++) peak = Math.max(peak, this.#peaks[c] ?? 0);
      // A square-root scale: quiet talk between songs still shows, loud songs do not clip the row.
      const half = Math.max(0.5, Math.sqrt(Math.min(1, peak)) * middle);
      context.fillRect(x, middle - half, 1, half * 2);
    }
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  /** At most one redraw per animation frame while samples pour in. */
  #scheduleDraw(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.draw();
    });
  }
}
