import { createHmac, randomBytes } from 'node:crypto';

export interface TurnCredential {
  username: string;
  credential: string;
  /** When coturn stops accepting it for new allocations, seconds since the epoch. */
  expiresAt: number;
}

/**
 * Time-limited TURN credentials as coturn checks them with `use-auth-secret` (the TURN REST API,
 * draft-uberti-behave-turn-rest): username = "<expiry unix time>:<id>", password =
 * base64(HMAC-SHA1(shared secret, username)). coturn recomputes the password from the username
 * and its `static-auth-secret`, and refuses a username whose time has passed — so the secret never
 * leaves the node, and a leaked credential is worth nothing after `ttlSeconds`.
 *
 * The expiry matters when the browser allocates its relay (and for new allocations, e.g. an ICE
 * restart); a set longer than the lifetime is fine, since every new session fetches fresh ones.
 */
export function mintTurnCredential(
  secret: string,
  ttlSeconds: number,
  options: { now?: number; id?: string } = {},
): TurnCredential {
  const expiresAt = Math.floor((options.now ?? Date.now()) / 1000) + ttlSeconds;
  // Random, not a viewer id: nothing in the username says who watched (coturn logs it).
  const username = `${expiresAt}:${options.id ?? randomBytes(6).toString('base64url')}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}
