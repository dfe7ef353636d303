import type { IncomingMessage } from 'node:http';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors.js';

/** What the viewer page shows, as is, when the node cannot take one more viewer. */
export const LAPTOP_FULL_MESSAGE = "The busker's laptop is full right now — try again in a minute.";

export interface ViewerLimits {
  /**
   * Viewer sessions at once from one IP address. Phones behind one carrier NAT (or one café's
   * Wi-Fi) share an address, so this is generous; it stops one device opening sessions until the
   * laptop is full, not a crowd.
   */
  perIp: number;
  /** Session attempts (WHEP POSTs) from one address: this many at once… */
  burstPerIp: number;
  /** …then one per this long, ms (10 per 10 s by default). */
  refillMs: number;
  /** Most addresses remembered; the least recently seen idle ones are forgotten first. */
  maxTrackedIps: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = { perIp: 8, burstPerIp: 10, refillMs: 1000, maxTrackedIps: 4096 };

interface Entry {
  sessions: number;
  tokens: number;
  updatedAt: number;
}

/**
 * Per-address limits on WHEP: sessions at once and the rate of new ones (a token bucket). State is
 * kept per address only while it matters: an address with no session and a full bucket is
 * forgotten when its last session ends or at the next sweep, and the map never holds more than
 * `maxTrackedIps` entries. No timers.
 */
export class ViewerAdmission {
  readonly limits: ViewerLimits;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(limits: Partial<ViewerLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_VIEWER_LIMITS, ...limits };
    this.#now = now;
  }

  /** Addresses remembered now (tests check it stays bounded and empties). */
  get trackedIps(): number {
    return this.#entries.size;
  }

  /** Sessions open from `ip` as far as admission knows. */
  sessionsOf(ip: string): number {
    return this.#entries.get(ip)?.sessions ?? 0;
  }

  /**
   * Counts one attempt from `ip` and reserves a session slot; throws 429 (too fast) or 503 (this
   * address has its share open). The returned function frees the slot; call it exactly when the
   * session ends or was never made (extra calls are ignored).
   */
  admit(ip: string): () => void {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#touch(ip, now);
    if (entry.tokens < 1) {
      const waitMs = (1 - entry.tokens) * this.limits.refillMs;
      throw new TooManyRequestsError(LAPTOP_FULL_MESSAGE, waitMs / 1000);
    }
    entry.tokens -= 1;
    if (entry.sessions >= this.limits.perIp) {
      throw new ServiceUnavailableError(LAPTOP_FULL_MESSAGE, 30, 'full');
    }
    entry.sessions += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.sessions = Math.max(0, entry.sessions - 1);
      this.#forgetIfIdle(ip, entry, this.#now());
    };
  }

  /** The entry for `ip`, refilled to `now` and moved to the most recently seen end. */
  #touch(ip: string, now: number): Entry {
    let entry = this.#entries.get(ip);
    if (entry) {
      this.#entries.delete(ip);
      this.#refill(entry, now);
    } else {
      entry = { sessions: 0, tokens: this.limits.burstPerIp, updatedAt: now };
    }
    this.#entries.set(ip, entry);
    // Over the cap: forget the least recently seen addresses that have no session open (an
    // address with sessions is never forgotten, or its slots would leak). At most maxViewers
    // addresses can have one, so this always makes room.
    if (this.#entries.size > this.limits.maxTrackedIps) {
      for (const [key, other] of this.#entries) {
        if (this.#entries.size <= this.limits.maxTrackedIps) break;
        if (other.sessions === 0 && other !== entry) this.#entries.delete(key);
      }
    }
    return entry;
  }

  #refill(entry: Entry, now: number): void {
    const elapsed = Math.max(0, now - entry.updatedAt);
    entry.tokens = Math.min(this.limits.burstPerIp, entry.tokens + elapsed / this.limits.refillMs);
    entry.updatedAt = now;
  }

  #forgetIfIdle(ip: string, entry: Entry, now: number): boolean {
    if (entry.sessions > 0) return false;
    this.#refill(entry, now);
    if (entry.tokens < this.limits.burstPerIp) return false;
    if (this.#entries.get(ip) === entry) this.#entries.delete(ip);
    return true;
  }

  /** Forgets idle addresses, at most once per bucket-refill time. */
  #sweep(now: number): void {
    const fullRefillMs = this.limits.burstPerIp * this.limits.refillMs;
    if (now - this.#lastSweep < fullRefillMs) return;
    this.#lastSweep = now;
    for (const [ip, entry] of [...this.#entries]) this.#forgetIfIdle(ip, entry, now);
  }
}

/** The address a request came from: the socket's peer (the node is reached directly, never via a proxy). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
