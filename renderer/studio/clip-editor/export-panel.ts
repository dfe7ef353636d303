import type { CropRectangle } from 'mediabunny';
import type { Clip, ClipJob, Timeline } from '../../../common/clips.js';
import { CLIP_LIMITS } from '../../../common/limits.js';
import { uploadVerticalShort, type ClipRequest } from '../../lib/clips-api.js';
import { element } from '../../lib/dom.js';
import { NodeError, isAbortError, messageOf } from '../../lib/node-error.js';
import { CopyExport, CopyFailed } from './copy-export.js';
import { rangeProblem, type Range } from './range.js';
import { ExportProblem, encodeVerticalShort } from './vertical-export.js';

export interface ExportPanelOptions {
  token: string;
  timeline: Timeline;
  range(): Range;
  cropFor(width: number, height: number): CropRectangle;
  onExported(clip: Clip): void;
  /** True while a vertical short encodes: the editor's background decoding steps aside. */
  busy(encoding: boolean): void;
  /** Gives the keyboard back to the editor (after an export, whose buttons were disabled). */
  focusEditor(): void;
}

/** Share of the bar for encoding; the upload fills the rest. */
const ENCODE_SHARE = 0.9;

/**
 * The title and the two ways out: a fast copy cut by the node, or a vertical short encoded here
 * and uploaded. One export at a time, with a progress bar, Cancel, and the outcome in words.
 */
export class ExportPanel {
  readonly element: HTMLElement;
  readonly #options: ExportPanelOptions;
  readonly #title: HTMLInputElement;
  readonly #count: HTMLElement;
  readonly #copyButton: HTMLButtonElement;
  readonly #verticalButton: HTMLButtonElement;
  readonly #progressRow: HTMLElement;
  readonly #progress: HTMLProgressElement;
  readonly #cancelButton: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #copy: CopyExport;
  #cancel: (() => void) | undefined;
  /** The encode running in this page, if any (closing the editor stops it). */
  #vertical: AbortController | undefined;
  #disposed = false;

  constructor(options: ExportPanelOptions) {
    this.#options = options;
    this.#copy = new CopyExport(options.token);
    this.element = element('section', 'ce-export');

    const field = element('label', 'field');
    const label = element('span', 'field-label', 'Title');
    this.#count = element('span', 'count');
    label.append(this.#count);
    this.#title = element('input');
    this.#title.type = 'text';
    this.#title.dataset.testid = 'editor-title';
    this.#title.maxLength = CLIP_LIMITS.title;
    this.#title.placeholder = 'What happens in this clip?';
    this.#title.autocomplete = 'off';
    this.#title.addEventListener('input', () => this.#renderCount());
    field.append(label, this.#title);
    this.#renderCount();

    this.#copyButton = element('button', 'button ce-export-button', 'Fast copy');
    this.#copyButton.type = 'button';
    this.#copyButton.dataset.testid = 'export-copy';
    this.#copyButton.title = 'Cut the range as it was recorded: no re-encode, ready in a moment';
    this.#copyButton.addEventListener('click', () => void this.#exportCopy());
    this.#verticalButton = element('button', 'button button-primary ce-export-button', 'Vertical short');
    this.#verticalButton.type = 'button';
    this.#verticalButton.dataset.testid = 'export-vertical';
    this.#verticalButton.title = 'A 9:16 video (720×1280) of the crop window, with the title on it, made in this browser';
    this.#verticalButton.addEventListener('click', () => void this.#exportVertical());
    const buttons = element('div', 'ce-export-buttons');
    buttons.append(this.#copyButton, this.#verticalButton);
    const hint = element(
      'p',
      'form-hint',
      `Fast copy keeps the whole picture and starts at the keyframe shown on the timeline (up to 10 minutes). A vertical short shows the 9:16 window over the video, with the title burned in (up to ${CLIP_LIMITS.maxVerticalMs / 60_000} minutes; making it takes one to two times the clip’s length on a laptop — keep this tab open).`,
    );

    this.#progress = element('progress', 'ce-progress');
    this.#progress.dataset.testid = 'export-progress';
    this.#progress.max = 1;
    this.#progress.value = 0;
    this.#progress.setAttribute('aria-label', 'Export progress');
    this.#cancelButton = element('button', 'button button-small', 'Cancel');
    this.#cancelButton.type = 'button';
    this.#cancelButton.dataset.testid = 'export-cancel';
    this.#cancelButton.addEventListener('click', () => this.#cancel?.());
    this.#progressRow = element('div', 'ce-progress-row');
    this.#progressRow.append(this.#progress, this.#cancelButton);
    this.#progressRow.hidden = true;
    this.#cancelButton.hidden = true;

    this.#status = element('p', 'ce-status');
    this.#status.dataset.testid = 'export-status';
    this.#status.setAttribute('role', 'status');

    this.element.append(element('h3', 'subhead', 'Save a clip'), field, buttons, hint, this.#progressRow, this.#status);
  }

  /** A `clip-job` event (fast copies' progress). */
  onJob(job: ClipJob): void {
    this.#copy.onJob(job);
  }

  /** The editor closed: an encode in the page stops; a fast copy finishes in the node unwatched. */
  dispose(): void {
    this.#disposed = true;
    this.#vertical?.abort();
    this.#copy.dispose();
  }

  async #exportCopy(): Promise<void> {
    const request = this.#request(CLIP_LIMITS.maxCopyMs, 'A fast copy');
    if (!request) return;
    this.#begin('Copying…', () => void this.#copy.cancel());
    try {
      const clip = await this.#copy.start(request, (fraction) => this.#setProgress(fraction));
      this.#saved(clip);
    } catch (error) {
      this.#failed(error, 'The fast copy failed');
    } finally {
      this.#end();
    }
  }

  async #exportVertical(): Promise<void> {
    const request = this.#request(CLIP_LIMITS.maxVerticalMs, 'A vertical short');
    if (!request) return;
    const controller = new AbortController();
    this.#vertical = controller;
    this.#begin('Making the short…', () => controller.abort());
    this.#options.busy(true);
    try {
      const video = await encodeVerticalShort({
        mediaUrl: this.#options.timeline.mediaUrl,
        inMs: request.inMs,
        outMs: request.outMs,
        title: request.title,
        cropFor: this.#options.cropFor,
        onProgress: (fraction) => {
          this.#setProgress(fraction * ENCODE_SHARE);
          this.#setStatus(`Making the short… ${Math.floor(fraction * 100)}%`);
        },
        signal: controller.signal,
      });
      if (video.size > CLIP_LIMITS.uploadBytes) {
        throw new ExportProblem('This short came out larger than the node accepts (300 MiB): choose a shorter range.');
      }
      this.#options.busy(false);
      this.#setStatus('Uploading the short…');
      const clip = await uploadVerticalShort(
        this.#options.token,
        request,
        video,
        (fraction) => this.#setProgress(ENCODE_SHARE + fraction * (1 - ENCODE_SHARE)),
        controller.signal,
      );
      this.#saved(clip);
    } catch (error) {
      this.#failed(error, 'The short could not be made');
    } finally {
      this.#vertical = undefined;
      this.#options.busy(false);
      this.#end();
    }
  }

  /** The request for the current range and title, or undefined (with the reason shown) when it cannot be exported. */
  #request(maxMs: number, what: string): ClipRequest | undefined {
    if (this.#cancel) return undefined;
    const range = this.#options.range();
    const problem = rangeProblem(range, this.#options.timeline.durationMs, maxMs, what);
    if (problem) {
      this.#setStatus(problem, true);
      return undefined;
    }
    return { recordingId: this.#options.timeline.recordingId, inMs: range.inMs, outMs: range.outMs, title: this.#title.value };
  }

  #begin(status: string, cancel: () => void): void {
    this.#cancel = cancel;
    // A disabled button drops the focus (to the page, where keys do nothing): hand it to Cancel.
    const hadFocus = document.activeElement === this.#copyButton || document.activeElement === this.#verticalButton;
    this.#copyButton.disabled = true;
    this.#verticalButton.disabled = true;
    this.#progressRow.hidden = false;
    this.#cancelButton.hidden = false;
    this.#cancelButton.disabled = false;
    if (hadFocus) this.#cancelButton.focus();
    this.#progress.value = 0;
    this.#setStatus(status);
  }

  #end(): void {
    this.#cancel = undefined;
    if (this.#disposed) return;
    const hadFocus = document.activeElement === this.#cancelButton || document.activeElement === document.body || !document.activeElement;
    this.#copyButton.disabled = false;
    this.#verticalButton.disabled = false;
    this.#cancelButton.hidden = true;
    if (hadFocus) this.#options.focusEditor();
  }

  #saved(clip: Clip): void {
    this.#progress.value = 1;
    this.#setStatus(`Saved “${clip.title || 'Untitled clip'}”`);
    this.#options.onExported(clip);
  }

  #failed(error: unknown, context: string): void {
    if (isAbortError(error)) {
      this.#progress.value = 0;
      this.#setStatus('Cancelled: nothing was saved.');
      return;
    }
    // The node's refusals and our own are written for people; anything else gets a preface.
    const known = error instanceof NodeError || error instanceof ExportProblem || error instanceof CopyFailed;
    this.#setStatus(known ? messageOf(error) : `${context}: ${messageOf(error)}`, true);
  }

  #setProgress(fraction: number): void {
    if (!this.#disposed) this.#progress.value = Math.min(1, Math.max(0, fraction));
  }

  #setStatus(text: string, problem = false): void {
    if (this.#disposed) return;
    this.#status.textContent = text;
    this.#status.classList.toggle('problem', problem);
  }

  #renderCount(): void {
    this.#count.textContent = `${Array.from(this.#title.value).length}/${CLIP_LIMITS.title}`;
  }
}
