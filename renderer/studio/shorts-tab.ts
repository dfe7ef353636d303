import { byId, byTestId } from '../lib/dom.js';
import { deleteClip, deleteComment, listClips, listShorts, updateClip } from '../lib/shorts-api.js';
// The clip editor is its own module (renderer/studio/clip-editor/); it draws into #clip-editor-root.
import { mountClipEditor } from './clip-editor/editor.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { ShortsEditorPane } from './shorts-editor-pane.js';
import type { ShortsEvent } from './shorts-events.js';
import { ShortsGallery } from './shorts-gallery.js';

/**
 * The Shorts tab, put together from the page: the clip editor on top, the gallery below. Loaded on
 * first use (the tab, or "Cut a short" in the Library), so going live never waits for the editor.
 */
export interface ShortsTab {
  /** The tab was opened: the lists again (links are signed for hours, counts move). */
  refresh(): Promise<void>;
  /** "Cut a short" on a recording of the Library. */
  open(recordingId: number): Promise<void>;
  event(event: ShortsEvent): void;
  /** The tab was left: stop every video (its sound would reach the microphone). */
  pause(): void;
  close(): void;
}

export interface ShortsTabOptions {
  /** The page's delete dialog, shared with the Library. */
  confirm: ConfirmDialog;
  /** "Open the Library", from the hint shown while no recording is open. */
  toLibrary: () => void;
}

export function startShorts(token: string, options: ShortsTabOptions): ShortsTab {
  const dialogTitle = byId('delete-dialog-title', HTMLElement);
  const dialogText = byId('delete-dialog-text', HTMLElement);

  const gallery = new ShortsGallery(
    {
      view: byId('shorts-gallery', HTMLElement),
      heading: byId('shorts-heading', HTMLElement),
      total: byTestId('shorts-total', HTMLElement),
      refresh: byId('shorts-refresh', HTMLButtonElement),
      message: byId('shorts-message', HTMLElement),
      error: byTestId('shorts-error', HTMLElement),
      empty: byTestId('shorts-empty', HTMLElement),
      list: byId('shorts-list', HTMLElement),
    },
    {
      loadClips: () => listClips(token),
      loadShorts: () => listShorts(),
      update: (id, update) => updateClip(token, id, update),
      remove: (id) => deleteClip(token, id),
      removeComment: (shortId, commentId) => deleteComment(token, shortId, commentId),
      // The dialog says "set" for the Library; here it speaks of the short, then gives the words back.
      async confirm(subject, run) {
        const title = dialogTitle.textContent;
        const text = dialogText.textContent;
        dialogTitle.textContent = 'Delete this short?';
        dialogText.textContent = 'Delete this short, its file and its comments? Viewers can no longer watch it. This cannot be undone.';
        try {
          return await options.confirm.ask(subject, run);
        } finally {
          dialogTitle.textContent = title;
          dialogText.textContent = text;
        }
      },
    },
  );

  const root = byId('clip-editor-root', HTMLElement);
  const editor = new ShortsEditorPane(
    {
      root,
      hint: byId('shorts-editor-hint', HTMLElement),
      heading: byId('shorts-editor-heading', HTMLElement),
      close: byTestId('clip-editor-close', HTMLButtonElement),
    },
    mountClipEditor(root, { token, onExported: (clip) => gallery.added(clip) }),
  );

  const toLibrary = byTestId('shorts-to-library', HTMLButtonElement);
  toLibrary.addEventListener('click', options.toLibrary);

  return {
    refresh: () => gallery.refresh(),
    open: (recordingId) => editor.open(recordingId),
    event(event) {
      switch (event.type) {
        case 'shorts':
          gallery.shorts(event.shorts);
          break;
        case 'comment':
          gallery.comment(event.shortId, event.comment);
          break;
        case 'comment-deleted':
          gallery.commentDeleted(event.shortId, event.id);
          break;
        case 'clip-job':
          editor.job(event.job);
          // A finished fast copy is in the gallery at once (also one started from another tab).
          if (event.job.state === 'done' && event.job.clip) gallery.added(event.job.clip);
          break;
      }
    },
    pause() {
      gallery.pause();
      editor.pause();
    },
    close() {
      toLibrary.removeEventListener('click', options.toLibrary);
      gallery.close();
      editor.close();
    },
  };
}
