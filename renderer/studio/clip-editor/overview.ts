import type { Input, UrlSource } from 'mediabunny';
import type { Timeline } from '../../../common/clips.js';
import { messageOf } from '../../lib/node-error.js';
import { drawChatDensity } from './chat-density.js';
import { Gate, openInput } from './media.js';
import { ThumbnailsStrip } from './thumbnails-strip.js';
import type { TimelineView } from './timeline-view.js';
import { Waveform } from './waveform.js';

/**
 * What the timeline shows of the recording itself: stills and waveform, decoded in the page from
 * one reader of the signed link, plus the chat bars. Pauses while a short encodes; close() stops
 * the decoding and lets go of the reader, its connections and its decoders.
 */
export class Overview {
  readonly #view: TimelineView;
  readonly #timeline: Timeline;
  readonly #thumbs: ThumbnailsStrip;
  readonly #waveform: Waveform;
  readonly #abort = new AbortController();
  readonly #gate = new Gate();
  readonly #resize: ResizeObserver;
  #input: Input<UrlSource> | undefined;

  constructor(view: TimelineView, timeline: Timeline) {
    this.#view = view;
    this.#timeline = timeline;
    this.#thumbs = new ThumbnailsStrip(view.thumbsCanvas, timeline.durationMs, timeline.keyframesMs);
    this.#waveform = new Waveform(view.waveCanvas, timeline.durationMs);
    this.#resize = new ResizeObserver(() => this.#redraw());
    this.#resize.observe(view.element);
  }

  /** Starts decoding; resolves when stills and waveform are done (or given up). */
  async load(): Promise<void> {
    this.#redraw();
    const signal = this.#abort.signal;
    try {
      this.#input = await openInput(this.#timeline.mediaUrl, 2);
    } catch (error) {
      this.#noWaveform(error);
      return;
    }
    if (signal.aborted) {
      this.#input.dispose();
      return;
    }
    const input = this.#input;
    await Promise.all([
      this.#thumbs.load(input, signal, this.#gate).catch(() => undefined),
      this.#waveform.load(input, signal, this.#gate).catch((error: unknown) => {
        if (!signal.aborted) this.#noWaveform(error);
      }),
    ]);
    // Nothing more to read: free the reader's cache and decoders now rather than at close.
    if (!signal.aborted) input.dispose();
  }

  /** While true, decoding waits (an export wants the processor and the connections). */
  pause(paused: boolean): void {
    if (paused) this.#gate.close();
    else this.#gate.open();
  }

  dispose(): void {
    this.#abort.abort();
    this.#gate.open();
    this.#resize.disconnect();
    this.#waveform.dispose();
    this.#input?.dispose();
  }

  #redraw(): void {
    this.#thumbs.draw();
    this.#waveform.draw();
    drawChatDensity(this.#view.chatCanvas, this.#timeline.chat, this.#timeline.durationMs);
  }

  #noWaveform(error: unknown): void {
    this.#view.waveCanvas.hidden = true;
    this.#view.waveNote.hidden = false;
    this.#view.waveNote.textContent = `No waveform: ${messageOf(error)}`;
  }
}
