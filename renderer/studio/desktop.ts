import type { CurbcastBridge } from '../../common/bridge.js';
import { byId, byTestId, element } from '../lib/dom.js';

declare global {
  interface Window {
    /** The desktop app's bridge (electron/preload.ts); absent in a plain browser. */
    curbcast?: CurbcastBridge;
  }
}

/**
 * What the studio adds when it runs inside the desktop app: "Open recordings folder" in the
 * Library, and "Save as…" on each card in the Shorts gallery (a native save dialog). In a plain
 * browser there is no bridge and nothing changes. The cards are left as they are built; their
 * buttons are added as they appear in the list.
 */
export function installDesktop(bridge: CurbcastBridge | undefined = window.curbcast): void {
  if (!bridge) return;
  document.body.dataset.desktop = 'true';

  const libraryMessage = byId('library-message', HTMLElement);
  const open = element('button', 'button button-small', 'Open recordings folder');
  open.type = 'button';
  open.dataset.testid = 'open-recordings-folder';
  open.addEventListener('click', () => {
    bridge.openRecordingsFolder().catch((error: unknown) => {
      libraryMessage.hidden = false;
      libraryMessage.classList.add('problem');
      libraryMessage.textContent = (error as Error).message;
    });
  });
  byId('library-refresh', HTMLButtonElement).before(open);

  const list = byId('shorts-list', HTMLElement);
  const problem = byTestId('shorts-error', HTMLElement);
  const addSaveButtons = () => {
    for (const card of list.querySelectorAll<HTMLElement>('[data-testid="short-item"]')) {
      const actions = card.querySelector('.short-actions');
      if (!actions || actions.querySelector('[data-testid="short-save-as"]')) continue;
      const save = element('button', 'button button-small short-save-as', 'Save as…');
      save.type = 'button';
      save.dataset.testid = 'short-save-as';
      save.addEventListener('click', () => void saveAs(card, save));
      const remove = actions.querySelector('[data-testid="short-delete"]');
      if (remove) remove.before(save);
      else actions.append(save);
    }
  };
  async function saveAs(card: HTMLElement, button: HTMLButtonElement): Promise<void> {
    const clipId = Number(card.dataset.clipId);
    if (!Number.isInteger(clipId)) return;
    button.disabled = true;
    try {
      const result = await bridge!.saveShortAs(clipId);
      if (result.saved) {
        button.textContent = 'Saved';
        button.title = result.path;
        setTimeout(() => (button.textContent = 'Save as…'), 3000);
      }
    } catch (error) {
      problem.hidden = false;
      problem.textContent = (error as Error).message;
    } finally {
      button.disabled = false;
    }
  }
  new MutationObserver(addSaveButtons).observe(list, { childList: true });
  addSaveButtons();
}
