import type { ClipJob } from '../../common/clips.js';

/** What the Shorts tab needs of the clip editor (renderer/studio/clip-editor/editor.ts). */
export interface ClipEditor {
  open(recordingId: number): Promise<void>;
  onJob(job: ClipJob): void;
  close(): void;
}

export interface ShortsEditorPaneElements {
  /** `#clip-editor-root`: the editor draws in it; hidden until a recording is opened. */
  root: HTMLElement;
  /** "Pick a set in the Library…", while no recording is open. */
  hint: HTMLElement;
  /** The pane's own heading, put away while the editor (which has its own) is open. */
  heading: HTMLElement;
  close: HTMLButtonElement;
}

/**
 * The top of the Shorts tab: the clip editor once a recording is opened (from the Library's
 * "Cut a short"), or a hint while none is. Close puts the editor away.
 */
export class ShortsEditorPane {
  readonly #el: ShortsEditorPaneElements;
  readonly #editor: ClipEditor;

  constructor(elements: ShortsEditorPaneElements, editor: ClipEditor) {
    this.#el = elements;
    this.#editor = editor;
    elements.close.addEventListener('click', this.#onClose);
    this.#show(false);
  }

  async open(recordingId: number): Promise<void> {
    this.#show(true);
    this.#el.root.scrollIntoView({ block: 'start' });
    // A recording that cannot be opened: the editor says why, in its own place.
    await this.#editor.open(recordingId).catch(() => undefined);
  }

  /** A fast copy's progress (the `clip-job` event). */
  job(job: ClipJob): void {
    this.#editor.onJob(job);
  }

  /** The tab was left: the editor's video stops (its sound would reach the microphone). */
  pause(): void {
    for (const media of this.#el.root.querySelectorAll('video, audio')) {
      if (media instanceof HTMLMediaElement) media.pause();
    }
  }

  close(): void {
    this.#el.close.removeEventListener('click', this.#onClose);
    this.#editor.close();
  }

  readonly #onClose = (): void => {
    this.#editor.close();
    this.#show(false);
  };

  #show(open: boolean): void {
    this.#el.root.hidden = !open;
    this.#el.close.hidden = !open;
    this.#el.hint.hidden = open;
    this.#el.heading.hidden = open;
  }
}
