import { deleteSet, getLibrary } from '../lib/api.js';
import { byId, byTestId } from '../lib/dom.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { LibraryPlayer } from './library-player.js';
import { LibraryView } from './library-view.js';
import { Thumbnails } from './thumbnails.js';

/**
 * The Library tab, put together from the page. Loaded on the first visit to the tab (a dynamic
 * import), so going live never waits for code that only lists and plays old sets.
 */
export interface LibraryTab {
  refresh(): Promise<void>;
  /** The tab was left: stop the player (its sound would reach the microphone). */
  pause(): void;
  close(): void;
}

export interface LibraryTabOptions {
  /** The page's delete dialog (shared with the Shorts tab). */
  confirm: ConfirmDialog;
  /** "Cut a short" on a recording. */
  cut: (recordingId: number) => void;
}

export function startLibrary(token: string, options: LibraryTabOptions): LibraryTab {
  const player = new LibraryPlayer({
    placeholder: byId('player-placeholder', HTMLElement),
    body: byId('player-body', HTMLElement),
    title: byId('player-title', HTMLElement),
    when: byId('player-when', HTMLElement),
    video: byTestId('library-player', HTMLVideoElement),
    parts: byId('player-parts', HTMLElement),
    note: byId('player-note', HTMLElement),
  });
  const view = new LibraryView(
    {
      view: byTestId('library', HTMLElement),
      heading: byId('library-heading', HTMLElement),
      total: byTestId('library-total', HTMLElement),
      refresh: byId('library-refresh', HTMLButtonElement),
      message: byId('library-message', HTMLElement),
      empty: byTestId('library-empty', HTMLElement),
      list: byId('library-list', HTMLElement),
    },
    {
      load: () => getLibrary(token),
      remove: (id) => deleteSet(token, id),
      player,
      thumbnails: new Thumbnails(),
      confirm: options.confirm,
      cut: options.cut,
    },
  );
  return {
    refresh: () => view.refresh(),
    pause: () => player.pause(),
    close() {
      view.close();
      player.close();
    },
  };
}
