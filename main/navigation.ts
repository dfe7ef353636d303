import { originOf, sameOrigin } from './origin.js';

export type NavigationDecision = 'allow' | 'deny' | 'open-externally';

/**
 * Where the studio window may go. It stays on the node's origin; a link to the web (the share
 * card's OpenStreetMap link, the busker's profile links) opens in the system browser, never in
 * the app; anything else (file:, javascript:, data:, other schemes) is refused.
 */
export function navigationDecision(url: string, origin: string | undefined): NavigationDecision {
  if (origin && sameOrigin(url, origin)) return 'allow';
  const target = originOf(url);
  if (target && /^https?:/.test(target)) return 'open-externally';
  return 'deny';
}

/**
 * For `setWindowOpenHandler`: the app never opens a second window of its own; same-origin links
 * with target=_blank load nowhere (the studio has none), web links go to the system browser.
 */
export function windowOpenDecision(url: string, origin: string | undefined): 'deny' | 'open-externally' {
  return navigationDecision(url, origin) === 'open-externally' ? 'open-externally' : 'deny';
}
