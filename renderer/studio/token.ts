import { messageOf, NodeError } from '../lib/node-error.js';

const STORAGE_KEY = 'curbcast.publishToken';

/**
 * The publish token: from `#token=…` (how `curbcast serve` and the desktop app open the studio —
 * a fragment never reaches a server or a log), then kept in sessionStorage for reloads, and wiped
 * from the address bar so it is not shown, bookmarked or screen-shared.
 */
export function takeToken(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token')?.trim();
  if (fromHash) {
    history.replaceState(history.state, '', location.pathname + location.search);
    storeToken(fromHash);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Private mode: the token lives for this page only.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

export interface TokenPanelElements {
  panel: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  save: HTMLButtonElement;
  message: HTMLElement;
}

/**
 * Shows the token panel until the node accepts a token. `check` asks the node (GET /api/studio)
 * and throws its refusal, whose message is shown as is.
 */
export function askForToken<T>(el: TokenPanelElements, check: (token: string) => Promise<T>, why: string): Promise<{ token: string; value: T }> {
  el.panel.hidden = false;
  el.message.textContent = why;
  el.message.classList.toggle('problem', why !== '');
  el.input.focus();
  return new Promise((resolve) => {
    const onSubmit = async (event: SubmitEvent) => {
      event.preventDefault();
      const token = el.input.value.trim();
      if (!token) {
        el.message.textContent = 'Paste the publish token first.';
        el.message.classList.add('problem');
        return;
      }
      el.save.disabled = true;
      el.message.textContent = 'Checking…';
      el.message.classList.remove('problem');
      try {
        const value = await check(token);
        el.form.removeEventListener('submit', onSubmit);
        el.panel.hidden = true;
        el.input.value = '';
        storeToken(token);
        resolve({ token, value });
      } catch (error) {
        el.message.textContent = error instanceof NodeError && error.status === 401 ? `${error.message} Check it and try again.` : messageOf(error);
        el.message.classList.add('problem');
        el.input.select();
      } finally {
        el.save.disabled = false;
      }
    };
    el.form.addEventListener('submit', onSubmit);
  });
}
