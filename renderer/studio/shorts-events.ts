import type { ServerEvent, ServerEventOf } from '../../common/events.js';

/** The events the Shorts tab takes: the public list, comments, and (busker only) fast-copy progress. */
export type ShortsEvent = ServerEventOf<'shorts' | 'comment' | 'comment-deleted' | 'clip-job'>;

const SHORTS_EVENTS: ReadonlySet<ServerEvent['type']> = new Set<ShortsEvent['type']>(['shorts', 'comment', 'comment-deleted', 'clip-job']);

/** Small and eager (main.ts routes with it); the Shorts tab itself is loaded on first use. */
export function isShortsEvent(event: ServerEvent): event is ShortsEvent {
  return SHORTS_EVENTS.has(event.type);
}
