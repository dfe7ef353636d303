import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { CLIP_LIMITS, type Clip, type ClipUpdate, type Comment, type Short } from '../../common/clips.js';
import type { ChatAuthor, ChatRules } from '../audience/chat-rules.js';
import { Refusal } from '../audience/refusal.js';
import type { TokenBucket } from '../audience/token-bucket.js';
import { NotFoundError } from '../errors.js';
import type { WritableDB } from '../library/database.js';
import {
  deleteClip,
  getClip,
  insertComment,
  listClips,
  listPublishedClips,
  markCommentDeleted,
  recentComments,
  updateClip,
  type ClipRow,
} from '../library/clips.js';
import type { MediaLinks } from '../media-links.js';
import { resolveInside } from '../http/static-files.js';

type GalleryEvents = {
  /** The published list changed (published, unpublished, renamed, deleted). */
  changed: [];
  comment: [shortId: number, comment: Comment];
  'comment-deleted': [shortId: number, id: number];
};

/**
 * The busker's clips and the public shorts made of them: rename, publish, delete, and comments
 * on published shorts — under chat's rules (ChatRules), but open while the busker is offline.
 */
export class ShortsGallery extends EventEmitter<GalleryEvents> {
  constructor(
    private readonly db: WritableDB,
    private readonly dataDir: string,
    private readonly rules: ChatRules,
    private readonly links: MediaLinks,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** A clip as the studio sees it, with a signed link. */
  toClip(row: ClipRow): Clip {
    return {
      id: row.id,
      recordingId: row.recordingId,
      title: row.title,
      mode: row.mode,
      inMs: row.inMs,
      outMs: row.outMs,
      durationMs: row.durationMs,
      sizeBytes: row.sizeBytes,
      width: row.width,
      height: row.height,
      published: row.published,
      createdAt: row.createdAt,
      mediaUrl: this.links.clip(row.id),
      comments: row.comments,
    };
  }

  clips(): Clip[] {
    return listClips(this.db).map((row) => this.toClip(row));
  }

  update(id: number, update: ClipUpdate): Clip {
    const before = getClip(this.db, id);
    if (!before) throw new NotFoundError('No such clip.');
    updateClip(this.db, id, update, this.now());
    const after = getClip(this.db, id)!;
    if (before.published || after.published) this.emit('changed');
    return this.toClip(after);
  }

  /** Deletes the row (and comments) first, then the file: a crash in between leaves only an orphan file. */
  async delete(id: number): Promise<boolean> {
    const wasPublished = getClip(this.db, id)?.published ?? false;
    const file = deleteClip(this.db, id);
    if (file === undefined) return false;
    const path = resolveInside(this.dataDir, file);
    if (path) await rm(path, { force: true });
    if (wasPublished) this.emit('changed');
    return true;
  }

  /** Published shorts, newest first, each with its latest comments. */
  shorts(): Short[] {
    return listPublishedClips(this.db).map((row) => ({
      id: row.id,
      title: row.title,
      durationMs: row.durationMs,
      width: row.width,
      height: row.height,
      mediaUrl: `/media/shorts/${row.id}`,
      publishedAt: row.publishedAt ?? row.createdAt,
      comments: recentComments(this.db, row.id, CLIP_LIMITS.comments),
    }));
  }

  /** The file of a published short (public), or undefined. */
  publishedFile(id: number): string | undefined {
    const row = getClip(this.db, id);
    return row?.published ? resolveInside(this.dataDir, row.file) : undefined;
  }

  /** Any clip's file (behind a signed link). */
  clipFile(id: number): string | undefined {
    const row = getClip(this.db, id);
    return row ? resolveInside(this.dataDir, row.file) : undefined;
  }

  comment(author: ChatAuthor, shortId: number, rawText: string, bucket: TokenBucket): Comment {
    if (!getClip(this.db, shortId)?.published) throw new Refusal('no_such_short', 'That short is not on the busker’s page any more.');
    const text = this.rules.check(author, rawText, bucket);
    const comment = insertComment(this.db, { clipId: shortId, authorKey: author.key, name: author.name, role: author.role, text, createdAt: this.now() });
    this.emit('comment', shortId, comment);
    return comment;
  }

  deleteComment(shortId: number, id: number): boolean {
    if (!markCommentDeleted(this.db, shortId, id, this.now())) return false;
    this.emit('comment-deleted', shortId, id);
    return true;
  }
}
