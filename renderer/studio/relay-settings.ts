import {
  RELAY_LIMITS,
  RELAY_PATH,
  RelayAnswerSchema,
  type RelayAnswer,
  type RelaySettingsInput,
  type RelayState,
} from '../../common/relay.js';
import { byId, byTestId } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';
import { bearer, jsonInit, requestJson } from '../lib/node-request.js';
import { relayStateText } from './relay-format.js';

export function getRelay(token: string): Promise<RelayAnswer> {
  return requestJson(RELAY_PATH, { method: 'GET', headers: bearer(token) }, RelayAnswerSchema);
}

export function putRelay(token: string, input: RelaySettingsInput): Promise<RelayAnswer> {
  return requestJson(RELAY_PATH, jsonInit('PUT', token, input), RelayAnswerSchema);
}

export interface RelaySettingsCard {
  /** A `relay` event from the node. */
  show(state: RelayState): void;
  /** Asks the node again (the events socket reconnected: a change may have been missed). */
  refresh(): void;
  close(): void;
}

/**
 * "Also publish to" (Live tab): the WHIP address and bearer token the node relays the set to, and
 * the relay's state as it changes. The token is write-only: a saved one shows as "saved", an empty
 * field keeps it, and "Remove token" clears it. One timer, only while a retry counts down.
 */
export function installRelaySettings(token: string): RelaySettingsCard {
  const form = byId('relay-form', HTMLFormElement);
  const url = byTestId('relay-url', HTMLInputElement);
  const secret = byTestId('relay-token', HTMLInputElement);
  const enabled = byTestId('relay-enabled', HTMLInputElement);
  const save = byTestId('relay-save', HTMLButtonElement);
  const forget = byTestId('relay-token-clear', HTMLButtonElement);
  const error = byTestId('relay-error', HTMLElement);
  const note = byId('relay-note', HTMLElement);
  const stateLine = byTestId('relay-state', HTMLElement);
  url.maxLength = RELAY_LIMITS.urlLength;
  secret.maxLength = RELAY_LIMITS.tokenLength;
  let state: RelayState = { kind: 'off' };
  let countdown: ReturnType<typeof setInterval> | undefined;
  let dirty = false;
  let closed = false;

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = message === '';
  };

  function fill(answer: RelayAnswer): void {
    url.value = answer.settings.url;
    enabled.checked = answer.settings.enabled;
    secret.value = '';
    secret.placeholder = answer.settings.hasToken ? 'saved' : 'stream key or token, if the service needs one';
    forget.hidden = !answer.settings.hasToken;
    dirty = false;
    show(answer.state);
  }

  function show(next: RelayState): void {
    if (closed) return;
    state = next;
    stateLine.dataset.kind = state.kind;
    clearInterval(countdown);
    countdown = undefined;
    if (state.kind === 'retrying') countdown = setInterval(render, 1000);
    render();
  }

  function render(): void {
    stateLine.textContent = relayStateText(state, Date.now());
  }

  async function submit(input: RelaySettingsInput, busy: string): Promise<void> {
    save.disabled = true;
    forget.disabled = true;
    showError('');
    note.textContent = busy;
    try {
      const answer = await putRelay(token, input);
      if (closed) return;
      fill(answer);
      note.textContent = 'Saved';
    } catch (failure) {
      note.textContent = 'Not saved';
      showError(messageOf(failure));
    } finally {
      save.disabled = false;
      forget.disabled = false;
    }
  }

  const onSubmit = (event: Event) => {
    event.preventDefault();
    const typed = secret.value.trim();
    // An empty field keeps the saved token: the page never had it to send back.
    void submit({ enabled: enabled.checked, url: url.value.trim(), ...(typed === '' ? {} : { token: typed }) }, 'Saving…');
  };
  const onForget = () => void submit({ enabled: enabled.checked, url: url.value.trim(), token: '' }, 'Removing the token…');
  const onInput = () => {
    dirty = true;
    note.textContent = 'Not saved yet…';
  };
  form.addEventListener('submit', onSubmit);
  forget.addEventListener('click', onForget);
  form.addEventListener('input', onInput);

  function refresh(): void {
    void getRelay(token).then(
      (answer) => {
        if (closed) return;
        // Half-typed settings stay; the state line is always the node's.
        if (dirty) show(answer.state);
        else fill(answer);
      },
      (failure: unknown) => showError(`Could not load “Also publish to”: ${messageOf(failure)}`),
    );
  }
  refresh();

  return {
    show,
    refresh,
    close() {
      closed = true;
      clearInterval(countdown);
      countdown = undefined;
      form.removeEventListener('submit', onSubmit);
      forget.removeEventListener('click', onForget);
      form.removeEventListener('input', onInput);
    },
  };
}
