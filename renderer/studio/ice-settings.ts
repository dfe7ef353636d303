import { z } from 'zod';
import {
  ICE_LIMITS,
  ICE_PATHS,
  IceSettingsSchema,
  type IceAuthInput,
  type IceServerInput,
  type IceServerView,
  type IceSettings,
  type IceSettingsInput,
} from '../../common/ice.js';
import { byId, byTestId, element } from '../lib/dom.js';
import { messageOf } from '../lib/node-error.js';
import { bearer, jsonInit, requestJson } from '../lib/node-request.js';
import { checkIceServers, type IceCheckResult } from './ice-check.js';

const IceServersAnswerSchema = z.object({
  iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })),
});

export function getIceSettings(token: string): Promise<IceSettings> {
  return requestJson(ICE_PATHS.settings, { method: 'GET', headers: bearer(token) }, IceSettingsSchema);
}

export function putIceSettings(token: string, input: IceSettingsInput): Promise<IceSettings> {
  return requestJson(ICE_PATHS.settings, jsonInit('PUT', token, input), IceSettingsSchema);
}

/** What a viewer would get now (fresh TURN credentials): what the check uses. */
async function getClientIceServers(): Promise<RTCIceServer[]> {
  return (await requestJson(ICE_PATHS.servers, { method: 'GET' }, IceServersAnswerSchema)).iceServers.map((server) => ({ ...server }));
}

type AuthKind = IceAuthInput['kind'];

interface Row {
  root: HTMLLIElement;
  id: number | undefined;
  urls: HTMLTextAreaElement;
  auth: HTMLSelectElement;
  secret: HTMLInputElement;
  ttl: HTMLInputElement;
  username: HTMLInputElement;
  password: HTMLInputElement;
  realm: HTMLInputElement;
}

/**
 * The studio's STUN/TURN servers (Profile tab, "Network"): a list of rows edited in place, saved
 * all at once, and "Check TURN", which tries each address from this browser with the credentials
 * viewers get. Secrets are write-only: a saved one shows as "set", and an empty field keeps it.
 */
export function installIceSettings(token: string): { close(): void } {
  const form = byId('ice-form', HTMLFormElement);
  const list = byTestId('ice-servers', HTMLUListElement);
  const empty = byId('ice-empty', HTMLElement);
  const add = byTestId('ice-add', HTMLButtonElement);
  const save = byTestId('ice-save', HTMLButtonElement);
  const check = byTestId('ice-check', HTMLButtonElement);
  const error = byTestId('ice-error', HTMLElement);
  const note = byId('ice-note', HTMLElement);
  const results = byTestId('ice-check-results', HTMLUListElement);
  let rows: Row[] = [];
  let saved: IceSettings = { servers: [] };
  let dirty = false;
  let closed = false;

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = message === '';
  };

  function render(settings: IceSettings): void {
    saved = settings;
    rows = settings.servers.map(makeRow);
    list.replaceChildren(...rows.map((row) => row.root));
    refresh();
  }

  function refresh(): void {
    empty.hidden = rows.length > 0;
    add.disabled = rows.length >= ICE_LIMITS.servers;
    for (const row of rows) showAuthFields(row);
  }

  function makeRow(server: IceServerView | undefined): Row {
    const root = element('li', 'ice-server');
    root.dataset.testid = 'ice-server';
    const field = (label: string, control: HTMLElement, className = 'field') => {
      const wrap = element('label', className);
      wrap.append(element('span', 'field-label', label), control);
      return wrap;
    };
    const input = (testid: string, type: string, value = '') => {
      const control = element('input');
      control.type = type;
      control.value = value;
      control.dataset.testid = testid;
      control.autocomplete = 'off';
      control.spellcheck = false;
      return control;
    };
    const urls = element('textarea');
    urls.dataset.testid = 'ice-urls';
    urls.rows = 2;
    urls.spellcheck = false;
    urls.placeholder = 'turn:turn.example.org:3478?transport=udp\nturns:turn.example.org:443';
    urls.value = server?.urls.join('\n') ?? '';
    const auth = element('select');
    auth.dataset.testid = 'ice-auth';
    for (const [value, label] of [
      ['rest', 'TURN REST shared secret (coturn use-auth-secret) — preferred'],
      ['long-term', 'Username and password (long-term credentials)'],
      ['none', 'None (STUN only)'],
    ] as const) {
      const option = element('option', '', label);
      option.value = value;
      auth.append(option);
    }
    auth.value = server?.auth.kind ?? 'rest';
    const a = server?.auth;
    const secret = input('ice-secret', 'password');
    secret.placeholder = a?.kind === 'rest' && a.secretSet ? 'set — leave empty to keep it' : "coturn's static-auth-secret";
    const ttl = input('ice-ttl', 'number', String(a?.kind === 'rest' ? a.ttlSeconds : ICE_LIMITS.defaultTtlSeconds));
    ttl.min = String(ICE_LIMITS.minTtlSeconds);
    ttl.max = String(ICE_LIMITS.maxTtlSeconds);
    const username = input('ice-username', 'text', a?.kind === 'long-term' ? a.username : '');
    const password = input('ice-password', 'password');
    password.placeholder = a?.kind === 'long-term' && a.passwordSet ? 'set — leave empty to keep it' : '';
    const realm = input('ice-realm', 'text', a?.kind === 'long-term' ? a.realm : '');
    realm.placeholder = "coturn's realm=";
    const remove = element('button', 'button button-small', 'Remove');
    remove.type = 'button';
    remove.dataset.testid = 'ice-remove';
    const row: Row = { root, id: server?.id, urls, auth, secret, ttl, username, password, realm };
    remove.addEventListener('click', () => {
      rows = rows.filter((r) => r !== row);
      root.remove();
      changed();
      refresh();
    });
    auth.addEventListener('change', () => showAuthFields(row));
    root.append(
      field('Addresses (one per line: stun:, turn: or turns:)', urls),
      field('Credentials', auth),
      field('Shared secret', secret, 'field ice-rest'),
      field('Credentials last (seconds)', ttl, 'field ice-rest'),
      field('Username', username, 'field ice-long-term'),
      field('Password', password, 'field ice-long-term'),
      field('Realm', realm, 'field ice-long-term'),
      remove,
    );
    return row;
  }

  function showAuthFields(row: Row): void {
    for (const wrap of row.root.querySelectorAll<HTMLElement>('.ice-rest')) wrap.hidden = row.auth.value !== 'rest';
    for (const wrap of row.root.querySelectorAll<HTMLElement>('.ice-long-term')) wrap.hidden = row.auth.value !== 'long-term';
  }

  function value(): IceSettingsInput {
    return {
      servers: rows.map((row): IceServerInput => {
        const urls = row.urls.value
          .split(/[\n,]+/)
          .map((url) => url.trim())
          .filter((url) => url !== '');
        const kind = row.auth.value as AuthKind;
        const optional = (text: string) => (text === '' ? undefined : text);
        const auth: IceAuthInput =
          kind === 'rest'
            ? { kind, secret: optional(row.secret.value), ttlSeconds: Number(row.ttl.value) || ICE_LIMITS.defaultTtlSeconds }
            : kind === 'long-term'
              ? { kind, username: row.username.value, password: optional(row.password.value), realm: row.realm.value }
              : { kind: 'none' };
        return { ...(row.id === undefined ? {} : { id: row.id }), urls, auth };
      }),
    };
  }

  function changed(): void {
    dirty = true;
    note.textContent = 'Not saved yet…';
  }

  async function onSave(event?: Event): Promise<void> {
    event?.preventDefault();
    save.disabled = true;
    showError('');
    note.textContent = 'Saving…';
    try {
      render(await putIceSettings(token, value()));
      dirty = false;
      note.textContent = saved.servers.length > 0 ? 'Saved — new viewers use them' : 'Saved — no servers: viewers connect directly';
      // Saying at once whether it works beats a viewer's black player later.
      if (saved.servers.length > 0) await onCheck();
      else results.replaceChildren();
    } catch (failure) {
      note.textContent = 'Not saved';
      showError(messageOf(failure));
    } finally {
      save.disabled = false;
    }
  }

  async function onCheck(): Promise<void> {
    if (dirty) {
      showResults([{ url: '', ok: false, message: 'Save first: the check uses the saved servers.' }]);
      return;
    }
    check.disabled = true;
    showResults([{ url: '', ok: true, message: 'Checking…' }]);
    try {
      const servers = await getClientIceServers();
      if (servers.length === 0) {
        showResults([{ url: '', ok: true, message: 'No STUN/TURN servers: viewers connect to this laptop directly.' }]);
        return;
      }
      const realms = new Map<string, string>();
      for (const server of saved.servers) {
        if (server.auth.kind === 'long-term') for (const url of server.urls) realms.set(url, server.auth.realm);
      }
      showResults(await checkIceServers(servers, (url) => realms.get(url)));
    } catch (failure) {
      showResults([{ url: '', ok: false, message: `Could not check: ${messageOf(failure)}` }]);
    } finally {
      check.disabled = false;
    }
  }

  function showResults(found: IceCheckResult[]): void {
    if (closed) return;
    results.replaceChildren(
      ...found.map((result) => {
        const item = element('li', result.ok ? 'ice-ok' : 'ice-bad', `${result.ok ? '✓' : '✗'} ${result.message}`);
        item.dataset.testid = 'ice-check-result';
        item.dataset.ok = String(result.ok);
        return item;
      }),
    );
  }

  const onAdd = () => {
    if (rows.length >= ICE_LIMITS.servers) return;
    const row = makeRow(undefined);
    rows.push(row);
    list.append(row.root);
    refresh();
    changed();
    row.urls.focus();
  };
  const onInput = () => changed();
  const onSubmit = (event: Event) => void onSave(event);
  const onSaveClick = () => void onSave();
  const onCheckClick = () => void onCheck();
  add.addEventListener('click', onAdd);
  form.addEventListener('input', onInput);
  form.addEventListener('submit', onSubmit);
  save.addEventListener('click', onSaveClick);
  check.addEventListener('click', onCheckClick);

  void getIceSettings(token).then(
    (settings) => {
      if (!closed && !dirty) render(settings);
    },
    (failure: unknown) => showError(`Could not load the STUN/TURN servers: ${messageOf(failure)}`),
  );

  return {
    close() {
      closed = true;
      add.removeEventListener('click', onAdd);
      form.removeEventListener('input', onInput);
      form.removeEventListener('submit', onSubmit);
      save.removeEventListener('click', onSaveClick);
      check.removeEventListener('click', onCheckClick);
    },
  };
}
