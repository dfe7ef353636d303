/**
 * The name this tab chats under, kept in sessionStorage like the client id: a reload keeps it, a
 * new tab starts as a guest. Empty means "anonymous guest" (the node names it from the client id).
 * Without storage (some private modes) it lives as long as the page.
 */
const KEY = 'curbcast.chatName';

let fallback = '';

export function loadChatName(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return fallback;
  }
}

export function saveChatName(name: string): void {
  fallback = name;
  try {
    if (name) sessionStorage.setItem(KEY, name);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused: the in-memory copy above serves this page.
  }
}
