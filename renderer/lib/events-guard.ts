import type { ServerEvent } from '../../common/events.js';
import { isRecord } from './node-error.js';

/**
 * A hand-written check of `ServerEventSchema` (common/events.ts) for the viewer page. zod is the
 * schema's real owner, but bundling it would add ~16 KB gzipped to a page whose whole script is
 * ~6 KB (measured: the studio's bundle is 20.5 KB gzipped with zod) — on every phone's data. This
 * guard checks the same shapes and limits the viewer relies on and is typed against the schema's
 * type, so a change to the schema that this guard misses shows up as a type error here.
 * The studio validates with zod itself (events-schema.ts). `recording` (the recorder's state) is
 * for the busker only, so it is dropped here like any type the viewer does not use.
 */
export function guardServerEvent(message: unknown): ServerEvent | undefined {
  if (!isRecord(message)) return undefined;
  switch (message.type) {
    case 'status': {
      const { version, status } = message;
      if (typeof version !== 'number' || !isRecord(status)) return undefined;
      const { live, viewers, set, startedAt } = status;
      if (typeof live !== 'boolean' || !isCount(viewers) || !isRecord(set)) return undefined;
      if (startedAt !== null && typeof startedAt !== 'number') return undefined;
      const { title, hashtags, description } = set;
      if (typeof title !== 'string' || typeof description !== 'string') return undefined;
      if (!Array.isArray(hashtags) || !hashtags.every((tag): tag is string => typeof tag === 'string')) return undefined;
      return { type: 'status', version, status: { live, viewers, startedAt, set: { title, hashtags, description } } };
    }
    case 'viewers':
      return isCount(message.count) ? { type: 'viewers', count: message.count } : undefined;
    case 'pong':
      return typeof message.id === 'number' ? { type: 'pong', id: message.id } : undefined;
    case 'error':
      return typeof message.error === 'string' && typeof message.message === 'string'
        ? { type: 'error', error: message.error, message: message.message }
        : undefined;
    default:
      return undefined;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
