import { EventEmitter } from 'node:events';
import { ChatSettingsSchema, ChatTextSchema, DEFAULT_CHAT_SETTINGS, type ChatRole, type ChatSettings, type Mute } from '../../common/chat.js';
import type { WritableDB } from '../library/database.js';
import { deleteMute, insertMute, listMutes } from '../library/chat.js';
import { readSetting, writeSetting } from '../library/settings.js';
import { BlockedWords } from './blocked-words.js';
import { Refusal, slowDown } from './refusal.js';
import type { TokenBucket } from './token-bucket.js';

/** Who is writing: `key` is a hash of the tab's client id (see identity.ts). */
export interface ChatAuthor {
  key: string;
  name: string;
  role: ChatRole;
}

type ChatRulesEvents = {
  /** Slow mode or the blocked words changed. */
  settings: [ChatSettings];
  /** A viewer (by key) was muted or unmuted: their pages should know. */
  mute: [key: string, muted: boolean];
};

/**
 * The busker's rules for everything viewers write — live chat and comments on shorts alike:
 * mutes (kept in the library), slow mode, blocked words and each socket's rate limit. Checks run
 * most useful first — muted, bad text, blocked word, slow mode, rate limit — so a muted viewer
 * hears "you are muted", not "slow down". The busker is exempt from all but the length limit.
 */
export class ChatRules extends EventEmitter<ChatRulesEvents> {
  #settings: ChatSettings;
  #blocked: BlockedWords;
  readonly #muted: Set<string>;
  /** Slow mode: when each viewer (by key) last got a message through. */
  readonly #lastSent = new Map<string, number>();

  constructor(
    private readonly db: WritableDB,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.#settings = readSetting(db, 'chat-settings', ChatSettingsSchema, DEFAULT_CHAT_SETTINGS);
    this.#blocked = new BlockedWords(this.#settings.blockedWords);
    this.#muted = new Set(listMutes(db).map((m) => m.key));
  }

  get settings(): ChatSettings {
    return this.#settings;
  }

  /** The cleaned text if `author` may write it now (and counts it against their limits), else a Refusal. */
  check(author: ChatAuthor, rawText: string, bucket: TokenBucket): string {
    const busker = author.role === 'busker';
    if (!busker && this.#muted.has(author.key)) {
      throw new Refusal('muted', 'The busker has muted you: your messages are not shown to anyone.');
    }
    const parsed = ChatTextSchema.safeParse(rawText);
    if (!parsed.success) throw new Refusal('bad_text', `Not sent: ${parsed.error.issues[0]?.message ?? 'invalid message'}.`);
    const text = parsed.data;
    if (busker) return text;
    if (this.#blocked.find(text) !== undefined) {
      throw new Refusal('blocked_word', 'Not sent: your message contains a word the busker does not allow here.');
    }
    const now = this.now();
    const slowMs = this.#settings.slowModeSeconds * 1000;
    const last = this.#lastSent.get(author.key);
    if (slowMs > 0 && last !== undefined && now - last < slowMs) {
      throw slowDown(slowMs - (now - last), `Slow mode is on (one message every ${this.#settings.slowModeSeconds} s)`);
    }
    const wait = bucket.take();
    if (wait > 0) throw slowDown(wait);
    this.#rememberSent(author.key, now);
    return text;
  }

  /** A new set: slow mode starts afresh for everyone. */
  resetSlowMode(): void {
    this.#lastSent.clear();
  }

  isMuted(key: string): boolean {
    return this.#muted.has(key);
  }

  mute(key: string, name: string): Mute {
    const mute: Mute = { key, name, mutedAt: this.now() };
    insertMute(this.db, mute);
    this.#muted.add(key);
    this.emit('mute', key, true);
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
    this.#settings = settings;
    this.#blocked = new BlockedWords(settings.blockedWords);
    this.emit('settings', settings);
  }

  /** Keeps the slow-mode map small: entries older than the slow mode can never refuse anyone. */
  #rememberSent(key: string, now: number): void {
    this.#lastSent.set(key, now);
    if (this.#lastSent.size <= 1000) return;
    const horizon = now - this.#settings.slowModeSeconds * 1000;
    for (const [k, at] of this.#lastSent) if (at < horizon) this.#lastSent.delete(k);
  }
}
