import type { Migration } from './index.js';

/**
 * The audience (issue #4): who wrote a chat message (a hash of the tab's id, so the busker can
 * mute its author — never the id itself), muted viewers, how many viewers a marker gathered, and
 * the busker's scheduled sets. The profile and chat settings live in `settings`.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'audience',
  up(db) {
    db.exec(`
      ALTER TABLE chat_messages ADD COLUMN author_key TEXT;

      ALTER TABLE markers ADD COLUMN count INTEGER NOT NULL DEFAULT 1 CHECK (count > 0);
      ALTER TABLE markers ADD COLUMN last_tap_at INTEGER;

      CREATE TABLE chat_mutes (
        author_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,                          -- the name they used when muted
        muted_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE scheduled_sets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        starts_at INTEGER NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        place TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        announced_at INTEGER,                        -- the "starting soon" notice went out
        started_set_id INTEGER REFERENCES sets(id) ON DELETE SET NULL
      ) STRICT;
      CREATE INDEX scheduled_by_start ON scheduled_sets(starts_at);
    `);
  },
};
