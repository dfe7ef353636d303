import { EventEmitter } from 'node:events';
import { CHAT_LIMITS, type ChatMessage, type Mute } from '../../common/chat.js';
import type { WritableDB } from '../library/database.js';
import { chatMessageAuthor, insertChatMessage, markChatMessageDeleted, recentChatMessages } from '../library/chat.js';
import type { SetClock } from '../record/archive.js';
import type { ChatAuthor, ChatRules } from './chat-rules.js';
import { Refusal } from './refusal.js';
import type { TokenBucket } from './token-bucket.js';

export type { ChatAuthor } from './chat-rules.js';

type ChatRoomEvents = {
  message: [ChatMessage];
  deleted: [id: number];
  /** Opened or closed. */
  state: [];
  /** A new set began: its (empty) history replaces the old one. */
  history: [ChatMessage[]];
};

/**
 * The live set's chat: open while a set is live, stored in the library against the recording's
 * clock, handed to the hub to fan out. Who may say what is `ChatRules`' call.
 */
export class ChatRoom extends EventEmitter<ChatRoomEvents> {
  #setId: number | undefined;

  constructor(
    private readonly db: WritableDB,
    readonly rules: ChatRules,
    private readonly clock: () => SetClock | undefined,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get open(): boolean {
    return this.#setId !== undefined;
  }

  /** A set went live (chat opens, empty) or ended (closes). */
  setLiveSet(setId: number | undefined): void {
    if (setId === this.#setId) return;
    this.#setId = setId;
    this.rules.resetSlowMode();
    this.emit('state');
    if (setId !== undefined) this.emit('history', []);
  }

  history(): ChatMessage[] {
    return this.#setId === undefined ? [] : recentChatMessages(this.db, this.#setId, CHAT_LIMITS.history);
  }

  /** Stores and announces a message, or throws a Refusal saying why not. */
  post(author: ChatAuthor, rawText: string, bucket: TokenBucket): ChatMessage {
    const clock = this.clock();
    if (this.#setId === undefined || !clock) throw new Refusal('chat_closed', 'Chat opens when the set starts.');
    const text = this.rules.check(author, rawText, bucket);
    const message = insertChatMessage(this.db, {
      setId: clock.setId,
      recordingId: clock.recordingId,
      authorKey: author.key,
      name: author.name,
      role: author.role,
      text,
      createdAt: this.now(),
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
    return this.rules.mute(author.key, author.name);
  }
}
