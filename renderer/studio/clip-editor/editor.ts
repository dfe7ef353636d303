import './clip-editor.css';
import { suggestedRange, type Clip, type ClipJob, type Timeline } from '../../../common/clips.js';
import { CLIP_LIMITS } from '../../../common/limits.js';
import { getTimeline } from '../../lib/clips-api.js';
import { element } from '../../lib/dom.js';
import { messageOf } from '../../lib/node-error.js';
import { CropWindow } from './crop-window.js';
import { ExportPanel } from './export-panel.js';
import { renderMarkersPanel } from './markers-panel.js';
import { Overview } from './overview.js';
import { Player } from './player.js';
import { RangeModel, formatClock, keyframeAtOrBefore } from './range.js';
import { keyAction, type KeyAction } from './range-keys.js';
import { TimelineView } from './timeline-view.js';

export interface ClipEditorDeps {
  /** The publish token (admin routes). */
  token: string;
  /** A clip or short was saved (the gallery shows it). */
  onExported(clip: Clip): void;
}

export interface ClipEditor {
  /** Loads a recording's timeline and shows the editor; rejects (after showing why) when it cannot. */
  open(recordingId: number): Promise<void>;
  /** A `clip-job` event from the events socket (busker only). */
  onJob(job: ClipJob): void;
  /** Stops everything (playback, decoding, an encode in progress) and empties `root`. */
  close(): void;
}

declare global {
  interface Window {
    /** Test hook: whether the editor has its timeline. */
    __curbcastEditor?: { ready(): boolean };
  }
}

/**
 * The clip editor, built inside `root`: pick a range of a recording on a timeline (stills, sound,
 * chat, "clip that!" moments) and save it as a fast copy (cut by the node) or a 9:16 short
 * (encoded in this page). One recording at a time; open() again switches.
 */
export function mountClipEditor(root: HTMLElement, deps: ClipEditorDeps): ClipEditor {
  let session: EditorSession | undefined;
  /** Bumped by every open and close, so a slow timeline for an older open is dropped. */
  let generation = 0;

  window.__curbcastEditor = { ready: () => session?.ready ?? false };

  const reset = () => {
    session?.dispose();
    session = undefined;
    root.replaceChildren();
  };

  return {
    async open(recordingId) {
      const mine = ++generation;
      reset();
      const loading = element('p', 'ce-loading', 'Loading the recording…');
      loading.dataset.testid = 'editor-loading';
      root.append(loading);
      let timeline: Timeline;
      try {
        timeline = await getTimeline(deps.token, recordingId);
      } catch (error) {
        if (mine === generation) {
          const problem = element('p', 'form-error ce-error', messageOf(error));
          problem.dataset.testid = 'editor-error';
          problem.setAttribute('role', 'alert');
          root.replaceChildren(problem);
        }
        throw error;
      }
      if (mine !== generation) return;
      root.replaceChildren();
      session = new EditorSession(root, deps, timeline);
    },
    onJob(job) {
      session?.onJob(job);
    },
    close() {
      generation++;
      reset();
    },
  };
}

/** One open recording: its DOM, player, timeline, decoding and exports; dispose() undoes it all. */
class EditorSession {
  readonly ready = true;
  readonly #timeline: Timeline;
  readonly #element: HTMLElement;
  readonly #range: RangeModel;
  readonly #player: Player;
  readonly #view: TimelineView;
  readonly #crop: CropWindow;
  readonly #overview: Overview;
  readonly #exports: ExportPanel;
  readonly #readouts: { in: HTMLElement; out: HTMLElement; length: HTMLElement; keyframe: HTMLElement };
  readonly #problem: HTMLElement;

  constructor(root: HTMLElement, deps: ClipEditorDeps, timeline: Timeline) {
    this.#timeline = timeline;
    const durationMs = timeline.durationMs;
    this.#range = new RangeModel(durationMs, { inMs: 0, outMs: Math.min(durationMs, CLIP_LIMITS.suggestedMs) });

    this.#element = element('div', 'ce');
    this.#element.dataset.testid = 'clip-editor-panel';
    this.#element.tabIndex = -1;
    this.#element.setAttribute('aria-label', 'Clip editor');

    const head = element('header', 'ce-head');
    const heading = element('h2', 'ce-heading', 'Cut a short');
    const source = element('p', 'ce-source', `${timeline.title || 'Untitled set'} · ${formatClock(durationMs)}`);
    head.append(heading, source);

    this.#player = new Player(
      timeline.mediaUrl,
      durationMs,
      () => this.#range.value,
      (ms) => this.#view.setPlayhead(ms),
      (message) => this.#showProblem(message),
    );
    const frame = element('div', 'ce-frame');
    frame.append(this.#player.video);
    this.#crop = new CropWindow(frame, this.#player.video, { width: timeline.width ?? 1280, height: timeline.height ?? 720 }, () => this.#player.toggle());
    this.#problem = element('p', 'form-error');
    this.#problem.hidden = true;

    this.#view = new TimelineView(durationMs, timeline.markers, {
      seek: (ms) => this.#player.seek(ms),
      drag: (handle, ms) => {
        if (handle === 'in') this.#range.dragIn(ms);
        else this.#range.dragOut(ms);
        // Show the frame being cut at.
        this.#player.seek(handle === 'in' ? this.#range.value.inMs : this.#range.value.outMs);
      },
      nudge: (handle, deltaMs) => {
        const { inMs, outMs } = this.#range.value;
        if (handle === 'in') this.#range.dragIn(inMs + deltaMs);
        else this.#range.dragOut(outMs + deltaMs);
        this.#player.seek(handle === 'in' ? this.#range.value.inMs : this.#range.value.outMs);
      },
      focusEditor: () => this.#element.focus({ preventScroll: true }),
    });

    const points = element('div', 'ce-points');
    const readout = (label: string, testid: string, button?: { text: string; testid: string; title: string; act: () => void }) => {
      const box = element('div', 'ce-point');
      const value = element('output', 'ce-point-value');
      value.dataset.testid = testid;
      box.append(element('span', 'ce-point-label', label), value);
      if (button) {
        const set = element('button', 'button button-small', button.text);
        set.type = 'button';
        set.dataset.testid = button.testid;
        set.title = button.title;
        set.addEventListener('click', button.act);
        box.append(set);
      }
      points.append(box);
      return value;
    };
    this.#readouts = {
      in: readout('In', 'editor-in', { text: 'Set in (I)', testid: 'editor-set-in', title: 'In point at the playhead', act: () => this.#do({ kind: 'in' }) }),
      out: readout('Out', 'editor-out', { text: 'Set out (O)', testid: 'editor-set-out', title: 'Out point at the playhead', act: () => this.#do({ kind: 'out' }) }),
      length: readout('Length', 'editor-length'),
      keyframe: element('p', 'ce-keyframe-note'),
    };
    this.#readouts.keyframe.dataset.testid = 'editor-keyframe-note';
    const keys = element('p', 'form-hint ce-keys', 'Keys: I in · O out · ← → one second (with Shift, one frame) · Space play/pause · L loop the range');

    this.#exports = new ExportPanel({
      token: deps.token,
      timeline,
      range: () => this.#range.value,
      cropFor: (width, height) => this.#crop.cropFor(width, height),
      onExported: (clip) => deps.onExported(clip),
      busy: (encoding) => this.#overview.pause(encoding),
      focusEditor: () => this.#element.focus({ preventScroll: true }),
    });

    const main = element('div', 'ce-main');
    main.append(frame, this.#player.transport, this.#problem, this.#view.element, points, this.#readouts.keyframe, keys);
    const side = element('div', 'ce-side');
    side.append(renderMarkersPanel(timeline.markers, (marker) => this.#pickMarker(marker.offsetMs)), this.#exports.element);
    const body = element('div', 'ce-body');
    body.append(main, side);
    this.#element.append(head, body);
    this.#element.addEventListener('keydown', this.#onKeyDown);
    root.append(this.#element);

    this.#range.onChange(() => this.#renderRange());
    this.#renderRange();
    this.#view.setPlayhead(0);
    this.#crop.layout();
    this.#overview = new Overview(this.#view, timeline);
    void this.#overview.load();
    this.#element.focus({ preventScroll: true });
  }

  onJob(job: ClipJob): void {
    if (job.recordingId === this.#timeline.recordingId) this.#exports.onJob(job);
  }

  dispose(): void {
    this.#element.removeEventListener('keydown', this.#onKeyDown);
    this.#exports.dispose();
    this.#overview.dispose();
    this.#crop.dispose();
    this.#player.dispose();
    this.#element.remove();
  }

  #pickMarker(offsetMs: number): void {
    this.#range.set(suggestedRange(offsetMs, this.#timeline.durationMs));
    this.#player.seek(offsetMs);
    this.#element.focus({ preventScroll: true });
  }

  #do(action: KeyAction): void {
    switch (action.kind) {
      case 'in':
        this.#range.setIn(this.#player.positionMs);
        return;
      case 'out':
        this.#range.setOut(this.#player.positionMs);
        return;
      case 'nudge':
        this.#player.seek(this.#player.positionMs + action.ms);
        return;
      case 'play':
        this.#player.toggle();
        return;
      case 'loop':
        this.#player.toggleLoop();
        return;
    }
  }

  readonly #onKeyDown = (event: KeyboardEvent): void => {
    const action = keyAction(event);
    if (!action) return;
    event.preventDefault();
    this.#do(action);
  };

  #renderRange(): void {
    const range = this.#range.value;
    const keyframeMs = keyframeAtOrBefore(this.#timeline.keyframesMs, range.inMs);
    this.#readouts.in.textContent = formatClock(range.inMs);
    this.#readouts.out.textContent = formatClock(range.outMs);
    this.#readouts.length.textContent = formatClock(range.outMs - range.inMs);
    this.#readouts.keyframe.textContent = `Fast copy starts at ${formatClock(keyframeMs)} (keyframe)`;
    this.#view.setRange(range, keyframeMs);
  }

  #showProblem(message: string): void {
    this.#problem.textContent = message;
    this.#problem.hidden = false;
  }
}
