import { createHmac } from 'node:crypto';
import { tokensMatch } from './auth.js';

/**
 * Links to the busker's recordings and clips that a <video> element can open (it cannot send an
 * Authorization header): the recording id and an expiry, signed with the publish token.
 * Rotating the token revokes every link; a viewer can neither forge one nor guess one.
 */
export class MediaLinks {
  constructor(
    private readonly secret: () => string,
    private readonly lifetimeMs = 6 * 60 * 60 * 1000,
  ) {}

  recording(id: number, now = Date.now()): string {
    const expires = now + this.lifetimeMs;
    return `/media/recordings/${id}?expires=${expires}&sig=${this.#sign('recording', id, expires)}`;
  }

  /** A clip in the busker's gallery, published or not (published ones also have a public link). */
  clip(id: number, now = Date.now()): string {
    const expires = now + this.lifetimeMs;
    return `/media/clips/${id}?expires=${expires}&sig=${this.#sign('clip', id, expires)}`;
  }

  verify(kind: 'recording' | 'clip', id: number, expires: string | null, sig: string | null, now = Date.now()): boolean {
    const when = Number(expires);
    if (!sig || !Number.isSafeInteger(when) || when < now) return false;
    return tokensMatch(sig, this.#sign(kind, id, when));
  }

  #sign(kind: string, id: number, expires: number): string {
    return createHmac('sha256', this.secret()).update(`${kind}:${id}:${expires}`).digest('base64url');
  }
}
