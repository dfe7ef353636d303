import { createHash } from 'node:crypto';
import { ChatNameSchema } from '../../common/chat.js';
import { Refusal } from './refusal.js';

/**
 * A viewer's identity is the random id their tab keeps (sessionStorage), never an account. The
 * node stores and compares only a hash of it (`key`), and never sends either to other pages: a
 * viewer cannot learn another's id to impersonate them or get them muted.
 */
export function authorKey(clientId: string): string {
  return createHash('sha256').update(`curbcast-author:${clientId}`).digest('hex').slice(0, 32);
}

/** "Guest 4F2A": stable for the tab, different between tabs. */
export function guestName(key: string): string {
  return `Guest ${key.slice(0, 4).toUpperCase()}`;
}

/** Names a viewer cannot take, so nobody passes for the busker. */
const RESERVED = ['busker', 'curbcast', 'admin', 'moderator'];

/** The name a viewer chose, cleaned; a guest name when empty. Throws a Refusal for a bad one. */
export function viewerName(rawName: string | undefined, key: string, buskerName: string): string {
  const parsed = ChatNameSchema.safeParse(rawName ?? '');
  if (!parsed.success) throw new Refusal('bad_name', `That name does not work: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  const name = parsed.data;
  if (name === '') return guestName(key);
  const folded = fold(name);
  if (RESERVED.includes(folded) || (buskerName !== '' && folded === fold(buskerName))) {
    throw new Refusal('bad_name', 'That name is taken by the busker; pick another.');
  }
  return name;
}

function fold(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
