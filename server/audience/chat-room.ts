import { EventEmitter } from 'node:events';
import {
  CHAT_LIMITS,
  ChatSettingsSchema,
  ChatTextSchema,
  DEFAULT_CHAT_SETTINGS,
  type ChatMessage,
  type ChatRole,
  type ChatSettings,
  type Mute,
} from '../../common/chat.js';
import type { WritableDB } from '../library/database.js';
import {
  chatMessageAuthor,
  deleteMute,
  insertChatMessage,
  insertMute,
  listMutes,
  markChatMessageDeleted,
  recentChatMessages,
} from '../library/chat.js';
import { readSetting, writeSetting } from '../library/settings.js';
import type { SetClock } from '../record/archive.js';
import { BlockedWords } from './blocked-words.js';
import { Refusal, slowDown } from './refusal.js';
import type { TokenBucket } from './token-bucket.js';

/** Who is writing: `key` is a hash of the tab's client id (see identity.ts). */
export interface ChatAuthor {
  key: string;
  name: string;
  role: ChatRole;
}

type ChatRoomEvents = {
  message: [ChatMessage];
  deleted: [id: number];
  /** Open/closed or slow mode changed. */
  state: [];
  /** A new set began: its (empty) history replaces the old one. */
  history: [ChatMessage[]];
  /** A viewer (by key) was muted or unmuted: their pages should know. */
  mute: [key: string, muted: boolean];
};

/**
 * The live set's chat: who may say what, stored in the library and handed to the hub to fan out.
 * Checks run cheapest and most useful first — closed, muted, bad text, blocked word, slow mode,
 * rate limit — so a muted viewer hears "you are muted", not "slow down". The busker is exempt
 * from everything but "closed" and the length limit.
 */
export class ChatRoom extends EventEmitter<ChatRoomEvents> {
  #settings: ChatSettings;
  #blocked: BlockedWords;
  readonly #muted: Set<string>;
  /** Slow mode: when each viewer (by key) last got a message through, this set. */
  readonly #lastSent = new Map<string, number>();
  #setId: number | undefined;

  constructor(
    private readonly db: WritableDB,
    private readonly clock: () => SetClock | undefined,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.#settings = readSetting(db, 'chat-settings', ChatSettingsSchema, DEFAULT_CHAT_SETTINGS);
    this.#blocked = new BlockedWords(this.#settings.blockedWords);
    this.#muted = new Set(listMutes(db).map((m) => m.key));
  }

  get open(): boolean {
    return this.#setId !== undefined;
  }

  get settings(): ChatSettings {
    return this.#settings;
  }

  /** A set went live (chat opens, empty) or ended (closes). */
  setLiveSet(setId: number | undefined): void {
    if (setId === this.#setId) return;
    this.#setId = setId;
    this.#lastSent.clear();
    this.emit('state');
    if (setId !== undefined) this.emit('history', []);
  }

  history(): ChatMessage[] {
    return this.#setId === undefined ? [] : recentChatMessages(this.db, this.#setId, CHAT_LIMITS.history);
  }

  isMuted(key: string): boolean {
    return this.#muted.has(key);
  }

  /** Stores and announces a message, or throws a Refusal saying why not. */
  post(author: ChatAuthor, rawText: string, bucket: TokenBucket): ChatMessage {
    const now = this.now();
    const clock = this.clock();
    if (this.#setId === undefined || !clock) throw new Refusal('chat_closed', 'Chat opens when the set starts.');
    const busker = author.role === 'busker';
    if (!busker && this.#muted.has(author.key)) {
      throw new Refusal('muted', 'The busker has muted you: your messages are not shown to anyone.');
    }
    const parsed = ChatTextSchema.safeParse(rawText);
    if (!parsed.success) throw new Refusal('bad_text', `Not sent: ${parsed.error.issues[0]?.message ?? 'invalid message'}.`);
    const text = parsed.data;
    if (!busker) {
      if (this.#blocked.find(text) !== undefined) {
        throw new Refusal('blocked_word', 'Not sent: your message contains a word the busker does not allow here.');
      }
      const slowMs = this.#settings.slowModeSeconds * 1000;
      const last = this.#lastSent.get(author.key);
      if (slowMs > 0 && last !== undefined && now - last < slowMs) {
        throw slowDown(slowMs - (now - last), `Slow mode is on (one message every ${this.#settings.slowModeSeconds} s)`);
      }
      const wait = bucket.take();
      if (wait > 0) throw slowDown(wait);
      this.#rememberSent(author.key, now);
    }
    const message = insertChatMessage(this.db, {
      setId: clock.setId,
      recordingId: clock.recordingId,
      authorKey: author.key,
      name: author.name,
      role: author.role,
      text,
      createdAt: now,
      recordingOffsetMs: clock.offsetMs,
    });
    this.emit('message', message);
    return message;
  }

  /** Moderation: deletes a message for everyone. False when unknown (or already deleted). */
  delete(id: number): boolean {
    if (!markChatMessageDeleted(this.db, id, this.now())) return false;
    this.emit('deleted', id);
    return true;
  }

  /** Moderation: mutes the author of a message. Undefined when the message is unknown. */
  muteAuthorOf(messageId: number): Mute | undefined {
    const author = chatMessageAuthor(this.db, messageId);
    if (!author?.key) return undefined;
    if (author.role === 'busker') throw new Refusal('not_mutable', 'That is your own message.');
    const mute: Mute = { key: author.key, name: author.name, mutedAt: this.now() };
    insertMute(this.db, mute);
    this.#muted.add(author.key);
    this.emit('mute', author.key, true);
    return mute;
  }

  unmute(key: string): boolean {
    if (!deleteMute(this.db, key)) return false;
    this.#muted.delete(key);
    this.emit('mute', key, false);
    return true;
  }

  mutes(): Mute[] {
    return listMutes(this.db);
  }

  updateSettings(settings: ChatSettings): void {
    writeSetting(this.db, 'chat-settings', settings);
    const slowModeChanged = settings.slowModeSeconds !== this.#settings.slowModeSeconds;
    this.#settings = settings;
    this.#blocked = new BlockedWords(settings.blockedWords);
    if (slowModeChanged) this.emit('state');
  }

  /** Keeps the slow-mode map small: entries older than the slow mode can never refuse anyone. */
  #rememberSent(key: string, now: number): void {
    this.#lastSent.set(key, now);
    if (this.#lastSent.size <= 1000) return;
    const horizon = now - this.#settings.slowModeSeconds * 1000;
    for (const [k, at] of this.#lastSent) if (at < horizon) this.#lastSent.delete(k);
  }
}
