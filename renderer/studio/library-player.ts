import type { LibraryRecording, LibrarySet } from '../../common/library.js';
import { element, formatElapsed } from '../lib/dom.js';
import { formatSize, formatWhen, isPlayable, setDurationMs } from './library-format.js';

export interface LibraryPlayerElements {
  /** Shown until a set is picked. */
  placeholder: HTMLElement;
  /** The player itself, hidden until a set is picked. */
  body: HTMLElement;
  title: HTMLElement;
  when: HTMLElement;
  video: HTMLVideoElement;
  /** A set with several recordings lists them here, to pick one. */
  parts: HTMLElement;
  /** About the recording playing: recovered, failed, or why it does not play. */
  note: HTMLElement;
}

/**
 * Plays one set of the library: its first playable recording, with the others (a set can have
 * several) listed to pick. The node serves byte ranges on the signed link, so seeking works.
 */
export class LibraryPlayer {
  readonly #el: LibraryPlayerElements;
  #set: LibrarySet | undefined;
  #playing: LibraryRecording | undefined;

  constructor(elements: LibraryPlayerElements) {
    this.#el = elements;
    elements.video.addEventListener('error', this.#onError);
    this.clear();
  }

  get setId(): number | undefined {
    return this.#set?.id;
  }

  show(set: LibrarySet): void {
    this.#set = set;
    this.#el.placeholder.hidden = true;
    this.#el.body.hidden = false;
    this.#el.title.textContent = set.title || 'Untitled set';
    this.#el.when.textContent = `${formatWhen(set.startedAt)} · ${formatElapsed(setDurationMs(set))}`;
    const first = set.recordings.find(isPlayable);
    if (first) this.#play(first);
    else this.#stop(set.live ? 'This set is on air: its recording plays here once the set ends.' : 'This set has no recording to play.');
  }

  /** Back to "pick a set" (its set was deleted). */
  clear(): void {
    this.#set = undefined;
    this.#stop('');
    this.#el.placeholder.hidden = false;
    this.#el.body.hidden = true;
  }

  pause(): void {
    this.#el.video.pause();
  }

  close(): void {
    this.#el.video.removeEventListener('error', this.#onError);
    this.clear();
  }

  #play(recording: LibraryRecording): void {
    this.#playing = recording;
    this.#renderParts();
    this.#el.video.src = recording.mediaUrl;
    this.#note(noteFor(recording), recording.status === 'failed');
    // A click on Play started this, so the browser lets it play with sound.
    this.#el.video.play().catch(() => undefined);
  }

  #stop(note: string): void {
    this.#playing = undefined;
    this.#el.video.pause();
    this.#el.video.removeAttribute('src');
    this.#el.video.load();
    this.#renderParts();
    this.#note(note, false);
  }

  #renderParts(): void {
    const recordings = this.#set?.recordings ?? [];
    this.#el.parts.hidden = recordings.length < 2;
    this.#el.parts.replaceChildren(
      ...(recordings.length < 2 ? [] : recordings).map((recording, index) => {
        const item = element('li');
        const facts = [recording.durationMs === null ? '' : formatElapsed(recording.durationMs), recording.sizeBytes ? formatSize(recording.sizeBytes) : '']
          .filter(Boolean)
          .join(' · ');
        const button = element('button', 'part', `Part ${index + 1}${facts ? ` — ${facts}` : ''}`);
        button.type = 'button';
        button.disabled = !isPlayable(recording);
        button.setAttribute('aria-pressed', String(recording === this.#playing));
        button.addEventListener('click', () => this.#play(recording));
        item.append(button);
        return item;
      }),
    );
  }

  #note(text: string, problem: boolean): void {
    this.#el.note.textContent = text;
    this.#el.note.classList.toggle('problem', problem);
  }

  readonly #onError = (): void => {
    if (!this.#playing) return;
    // Signed links last hours; a page left open longer gets fresh ones from the Library's refresh.
    this.#note('This recording could not be played. Its link may have expired: click Refresh and try again.', true);
  };
}

function noteFor(recording: LibraryRecording): string {
  if (recording.status === 'repaired') return 'Recovered after a crash: the end of the set may be missing.';
  if (recording.status === 'failed') {
    return `The recording failed (${recording.failure ?? 'unknown reason'}); this is what was saved before it stopped, and seeking may not work.`;
  }
  return '';
}
