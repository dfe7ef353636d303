import { API_PATHS, TokenRotationSchema, type TokenRotation } from '../../common/api.js';
import { byId, byTestId } from '../lib/dom.js';
import { bearer, requestJson } from '../lib/node-request.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { storeToken } from './token.js';

/** POST /api/token/rotate: the new token, or a NodeError with the node's words (409 when it is fixed on the command line). */
export function rotateToken(token: string): Promise<TokenRotation> {
  return requestJson(API_PATHS.tokenRotate, { method: 'POST', headers: bearer(token) }, TokenRotationSchema);
}

export interface TokenRotationOptions {
  /** This studio is sending a set: changing now would need a reload that ends it, so wait. */
  onAir: () => boolean;
  /** After "Done": reload so every part of the studio uses the new token (a test may replace it). */
  reload?: () => void;
}

/**
 * "Change publish token" (Profile tab): asks first, asks the node for a new token, keeps it the way
 * token.ts does (this tab's sessionStorage), shows it with a reminder that OBS needs it, and
 * reloads the studio on "Done" — every module of the page was started with the old token, which
 * the node no longer accepts. Refused while this studio is on air (a reload would end the set);
 * a set OBS is sending goes on.
 */
export function installTokenRotation(token: string, options: TokenRotationOptions): { close(): void } {
  const rotate = byTestId('token-rotate', HTMLButtonElement);
  const error = byTestId('token-rotation-error', HTMLElement);
  const done = byTestId('token-rotation-done', HTMLElement);
  const value = byTestId('token-rotation-new', HTMLElement);
  const copy = byTestId('token-rotation-copy', HTMLButtonElement);
  const reloadButton = byTestId('token-rotation-reload', HTMLButtonElement);
  const note = byId('token-rotation-note', HTMLElement);
  const confirm = new ConfirmDialog({
    dialog: byId('token-dialog', HTMLDialogElement),
    subject: byId('token-dialog-subject', HTMLElement),
    problem: byId('token-dialog-problem', HTMLElement),
    cancel: byTestId('cancel-token-rotate', HTMLButtonElement),
    confirm: byTestId('confirm-token-rotate', HTMLButtonElement),
    busyLabel: 'Changing…',
  });
  const reload = options.reload ?? (() => location.reload());
  let fresh: string | undefined;

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = message === '';
  };

  const onRotate = async (): Promise<void> => {
    showError('');
    if (options.onAir()) {
      showError('End your set first: the studio reloads with the new token, and a reload would end the set.');
      return;
    }
    const changed = await confirm.ask('OBS will need the new token before it next goes live.', async () => {
      const rotation = await rotateToken(token);
      fresh = rotation.token;
      storeToken(fresh);
    });
    if (!changed || !fresh) return;
    value.textContent = fresh;
    done.hidden = false;
    copy.hidden = false;
    reloadButton.hidden = false;
    rotate.hidden = true;
    note.textContent = '';
  };

  const onCopy = async (): Promise<void> => {
    if (!fresh) return;
    try {
      await navigator.clipboard.writeText(fresh);
      note.textContent = 'Copied ✓';
    } catch {
      // No clipboard (not a secure context): select the token for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(value);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      note.textContent = 'Selected — press Ctrl+C';
    }
  };

  const onReload = () => reload();
  const rotateListener = () => void onRotate();
  const copyListener = () => void onCopy();
  rotate.addEventListener('click', rotateListener);
  copy.addEventListener('click', copyListener);
  reloadButton.addEventListener('click', onReload);
  return {
    close() {
      rotate.removeEventListener('click', rotateListener);
      copy.removeEventListener('click', copyListener);
      reloadButton.removeEventListener('click', onReload);
    },
  };
}
