import type { Migration } from './index.js';

/**
 * STUN/TURN servers (issue #8), in the busker's order. `secret` is the TURN REST shared secret or
 * the long-term password: write-only, never sent to a page. The CHECKs keep each kind whole, so a
 * row can always be turned into what a browser needs.
 */
export const migration0040: Migration = {
  version: 40,
  name: 'ice-servers',
  up(db) {
    db.exec(`
      CREATE TABLE ice_servers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        position INTEGER NOT NULL,
        urls TEXT NOT NULL,                          -- JSON array of stun:/turn:/turns: URLs
        auth TEXT NOT NULL CHECK (auth IN ('none', 'rest', 'long-term')),
        secret TEXT,                                 -- REST shared secret or long-term password
        ttl_seconds INTEGER,                         -- REST only
        username TEXT,                               -- long-term only
        realm TEXT,                                  -- long-term only
        updated_at INTEGER NOT NULL,
        CHECK (auth <> 'none' OR (secret IS NULL AND username IS NULL)),
        CHECK (auth <> 'rest' OR (secret IS NOT NULL AND ttl_seconds > 0)),
        CHECK (auth <> 'long-term' OR (secret IS NOT NULL AND username IS NOT NULL AND realm IS NOT NULL))
      ) STRICT;
      CREATE INDEX ice_servers_by_position ON ice_servers(position);
    `);
  },
};
