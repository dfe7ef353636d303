/**
 * The tab's stable id for the events socket's `hello`: random, kept in sessionStorage, so a
 * reload keeps the same guest name (and the same mute) while a new tab is a new guest. Private
 * browsing without storage still gets an id, for as long as the page lives.
 */
const KEY = 'curbcast.clientId';

export function tabClientId(): string {
  try {
    const stored = sessionStorage.getItem(KEY);
    if (stored && /^[A-Za-z0-9_-]{16,64}$/.test(stored)) return stored;
    const id = randomId();
    sessionStorage.setItem(KEY, id);
    return id;
  } catch {
    return (fallback ??= randomId());
  }
}

let fallback: string | undefined;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
