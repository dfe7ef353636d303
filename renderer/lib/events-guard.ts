import type { Status } from '../../common/api.js';
import type { ChatMessage } from '../../common/chat.js';
import type { Comment, Short } from '../../common/clips.js';
import type { ServerEvent, ServerEventOf } from '../../common/events.js';
import type { PublicLocation } from '../../common/location.js';
import type { Profile, ProfileLink } from '../../common/profile.js';
import type { ScheduledSet } from '../../common/schedule.js';
import { isRecord } from './node-error.js';

/**
 * A hand-written check of `ServerEventSchema` (common/events.ts) for the viewer page. zod is the
 * schema's real owner, but bundling it would add ~16 KB gzipped to a page whose whole script is
 * a few KB — on every phone's data. This guard checks the shapes the viewer relies on and builds
 * each event afresh (unknown fields never reach the page). It is typed against the schema's type:
 * a field added to or changed in the schema, or a new event type (see `GUARDS`), is a type error
 * here. The studio validates with zod itself (events-schema.ts).
 *
 * Beyond the schema, as defence in depth for links the page turns into `<a href>`, `<img src>` and
 * `<video src>`: profile links must be http(s) (others are dropped), the avatar must be the node's
 * own avatar path (else none), a location's links must point at OpenStreetMap (else no location),
 * and a short's file must be the node's own `/media/shorts/` path (else that short is left out).
 */
export function guardServerEvent(message: unknown): ServerEvent | undefined {
  if (!isRecord(message) || !isEventType(message.type)) return undefined;
  const guard = GUARDS[message.type];
  return guard ? guard(message) : undefined;
}

type Fields = Record<string, unknown>;
type Guard<T extends ServerEvent['type']> = (message: Fields) => ServerEventOf<T> | undefined;

/**
 * One guard per event type. `null`: busker-only events (the recorder's state, markers, clip
 * exports), which a viewer page never uses and so drops. A type added to the schema must be added here to compile.
 */
const GUARDS: { [T in ServerEvent['type']]: Guard<T> | null } = {
  status: ({ version, status }) => {
    if (typeof version !== 'number') return undefined;
    const checked = guardStatus(status);
    return checked && { type: 'status', version, status: checked };
  },
  viewers: ({ count }) => (isCount(count) ? { type: 'viewers', count } : undefined),
  page: ({ profile, schedule }) => {
    const checkedProfile = guardProfile(profile);
    const checkedSchedule = guardList(schedule, guardScheduledSet);
    return checkedProfile && checkedSchedule && { type: 'page', profile: checkedProfile, schedule: checkedSchedule };
  },
  welcome: ({ role, name, muted }) =>
    isRole(role) && typeof name === 'string' && typeof muted === 'boolean' ? { type: 'welcome', role, name, muted } : undefined,
  'chat-state': ({ open, slowModeSeconds }) =>
    typeof open === 'boolean' && isCount(slowModeSeconds) ? { type: 'chat-state', open, slowModeSeconds } : undefined,
  'chat-history': ({ messages }) => {
    const checked = guardList(messages, guardChatMessage);
    return checked && { type: 'chat-history', messages: checked };
  },
  chat: ({ message }) => {
    const checked = guardChatMessage(message);
    return checked && { type: 'chat', message: checked };
  },
  'chat-deleted': ({ id }) => (isInteger(id) ? { type: 'chat-deleted', id } : undefined),
  notice: ({ kind, set }) => {
    const checked = kind === 'starting-soon' ? guardScheduledSet(set) : undefined;
    return checked && { type: 'notice', kind: 'starting-soon', set: checked };
  },
  marked: ({ markerId, count }) => (isInteger(markerId) && isInteger(count) ? { type: 'marked', markerId, count } : undefined),
  marker: null,
  // A short is one value among many: a bad one is left out, the rest still show.
  shorts: ({ shorts }) => (Array.isArray(shorts) ? { type: 'shorts', shorts: keepValid(shorts, guardShort) } : undefined),
  comment: ({ shortId, comment }) => {
    if (!isInteger(shortId)) return undefined;
    const checked = guardComment(comment);
    return checked && { type: 'comment', shortId, comment: checked };
  },
  'comment-deleted': ({ shortId, id }) =>
    isInteger(shortId) && isInteger(id) ? { type: 'comment-deleted', shortId, id } : undefined,
  'clip-job': null,
  recording: null,
  relay: null,
  pong: ({ id }) => (typeof id === 'number' ? { type: 'pong', id } : undefined),
  error: ({ error, message, retryAfterMs }) => {
    if (typeof error !== 'string' || typeof message !== 'string') return undefined;
    // A bad retryAfterMs is dropped, not the error: the person should still read the node's message.
    return isCount(retryAfterMs) ? { type: 'error', error, message, retryAfterMs } : { type: 'error', error, message };
  },
};

/** Own keys only: `toString` is not an event type. (Not Object.hasOwn: Safari 14 lacks it.) */
function isEventType(type: unknown): type is ServerEvent['type'] {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(GUARDS, type);
}

function guardStatus(value: unknown): Status | undefined {
  if (!isRecord(value)) return undefined;
  const { live, viewers, set, startedAt, location, interrupted } = value;
  if (typeof live !== 'boolean' || !isCount(viewers) || !isRecord(set)) return undefined;
  if (startedAt !== null && typeof startedAt !== 'number') return undefined;
  const { title, hashtags, description } = set;
  if (typeof title !== 'string' || typeof description !== 'string' || !isStringList(hashtags)) return undefined;
  // `interrupted` came later within version 1: a node without it never interrupts.
  return { live, viewers, set: { title, hashtags, description }, startedAt, interrupted: interrupted === true, location: guardLocation(location) };
}

const OSM_PREFIX = 'https://www.openstreetmap.org/';

/** A location the page can show, or null: anything odd about it means "no location". */
function guardLocation(value: unknown): PublicLocation | null {
  if (!isRecord(value)) return null;
  const { place, lat, lon, precision, mapUrl, directionsUrl } = value;
  if (typeof place !== 'string' || !isNullableNumber(lat) || !isNullableNumber(lon)) return null;
  if (precision !== 'exact' && precision !== 'approximate') return null;
  if (typeof mapUrl !== 'string' || !mapUrl.startsWith(OSM_PREFIX)) return null;
  if (directionsUrl !== null && (typeof directionsUrl !== 'string' || !directionsUrl.startsWith(OSM_PREFIX))) return null;
  return { place, lat, lon, precision, mapUrl, directionsUrl };
}

function guardProfile(value: unknown): Profile | undefined {
  if (!isRecord(value)) return undefined;
  const { name, bio, links, avatarUrl } = value;
  if (typeof name !== 'string' || typeof bio !== 'string' || !Array.isArray(links)) return undefined;
  if (avatarUrl !== null && typeof avatarUrl !== 'string') return undefined;
  return {
    name,
    bio,
    // A link that is not a plain web address is left out; the rest of the profile still shows.
    links: links.map(guardProfileLink).filter((link): link is ProfileLink => link !== undefined),
    avatarUrl: avatarUrl?.startsWith('/api/profile/avatar') ? avatarUrl : null,
  };
}

function guardProfileLink(value: unknown): ProfileLink | undefined {
  if (!isRecord(value)) return undefined;
  const { label, url } = value;
  return typeof label === 'string' && typeof url === 'string' && isWebUrl(url) ? { label, url } : undefined;
}

/** Only http(s): a `javascript:` or `data:` href would run in the viewer's browser. */
function isWebUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
  } catch {
    return false;
  }
}

function guardScheduledSet(value: unknown): ScheduledSet | undefined {
  if (!isRecord(value)) return undefined;
  const { id, startsAt, title, place } = value;
  return isInteger(id) && isFiniteNumber(startsAt) && typeof title === 'string' && typeof place === 'string'
    ? { id, startsAt, title, place }
    : undefined;
}

function guardChatMessage(value: unknown): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { id, name, role, text, sentAt } = value;
  return isInteger(id) && typeof name === 'string' && isRole(role) && typeof text === 'string' && isFiniteNumber(sentAt)
    ? { id, name, role, text, sentAt }
    : undefined;
}

const SHORT_MEDIA_PREFIX = '/media/shorts/';

function guardShort(value: unknown): Short | undefined {
  if (!isRecord(value)) return undefined;
  const { id, title, durationMs, width, height, mediaUrl, publishedAt, comments } = value;
  if (!isInteger(id) || typeof title !== 'string' || !isFiniteNumber(publishedAt)) return undefined;
  if (!isNullableNumber(durationMs) || !isNullableNumber(width) || !isNullableNumber(height)) return undefined;
  // The node's own path only: never another site's file, a `javascript:` or `data:` URL.
  if (typeof mediaUrl !== 'string' || !mediaUrl.startsWith(SHORT_MEDIA_PREFIX)) return undefined;
  if (!Array.isArray(comments)) return undefined;
  // A bad comment is left out; the short and its other comments still show.
  return { id, title, durationMs, width, height, mediaUrl, publishedAt, comments: keepValid(comments, guardComment) };
}

/** A comment has a chat message's shape (and is shown like one). */
const guardComment: (value: unknown) => Comment | undefined = guardChatMessage;

/** The items that pass `guard` (the others are left out). */
function keepValid<T>(items: unknown[], guard: (item: unknown) => T | undefined): T[] {
  const checked: T[] = [];
  for (const item of items) {
    const one = guard(item);
    if (one !== undefined) checked.push(one);
  }
  return checked;
}

/** Every item checked, or undefined when any is bad (a list is one value: all or nothing). */
function guardList<T>(value: unknown, guard: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const checked: T[] = [];
  for (const item of value) {
    const one = guard(item);
    if (one === undefined) return undefined;
    checked.push(one);
  }
  return checked;
}

function isRole(value: unknown): value is ChatMessage['role'] {
  return value === 'viewer' || value === 'busker';
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNullableNumber(value: unknown): value is number | null {
  return value === null || isFiniteNumber(value);
}

function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

function isCount(value: unknown): value is number {
  return isInteger(value) && (value as number) >= 0;
}
