import type { Migration } from './index.js';

/**
 * Shorts (issue #5): where a clip really starts (a fast copy snaps to the keyframe at or before
 * the asked in-point), its frame size, when it was published, and who wrote each comment (the
 * same hashed tab id as chat, so chat's mutes hold for comments too).
 */
export const migration0030: Migration = {
  version: 30,
  name: 'shorts',
  up(db) {
    db.exec(`
      ALTER TABLE clips ADD COLUMN start_ms INTEGER;
      ALTER TABLE clips ADD COLUMN width INTEGER;
      ALTER TABLE clips ADD COLUMN height INTEGER;
      ALTER TABLE clips ADD COLUMN published_at INTEGER;
      CREATE INDEX clips_published ON clips(published, published_at);

      ALTER TABLE comments ADD COLUMN author_key TEXT;
      ALTER TABLE comments ADD COLUMN author_role TEXT NOT NULL DEFAULT 'viewer' CHECK (author_role IN ('viewer', 'busker'));
    `);
  },
};
