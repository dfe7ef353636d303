import type { Migration } from './index.js';

/**
 * The first schema. Ids are AUTOINCREMENT: a deleted set's id is never handed out again, so a
 * link or a page that still names it can never reach another set's files. Times are ms since the epoch; `*_offset_ms` are positions on the recording's
 * own clock (0 = its first frame), so chat and markers line up with the video later.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE sets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL DEFAULT '',
        hashtags TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
        description TEXT NOT NULL DEFAULT '',
        location TEXT,                               -- JSON, only when the busker shared it
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
      ) STRICT;

      CREATE TABLE recordings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        file TEXT NOT NULL UNIQUE,                   -- relative to the data folder
        status TEXT NOT NULL CHECK (status IN ('recording', 'finalised', 'repaired', 'failed')),
        failure TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        duration_ms INTEGER,
        size_bytes INTEGER,
        video_codec TEXT,
        audio_codec TEXT,
        width INTEGER,
        height INTEGER
      ) STRICT;
      CREATE INDEX recordings_by_set ON recordings(set_id);
      CREATE INDEX recordings_by_status ON recordings(status);

      CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        recording_id INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
        author_name TEXT NOT NULL,
        author_role TEXT NOT NULL CHECK (author_role IN ('viewer', 'busker')),
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        recording_offset_ms INTEGER,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX chat_by_set ON chat_messages(set_id, created_at);

      CREATE TABLE markers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        recording_id INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,                          -- 'clip-that', 'busker'
        label TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        recording_offset_ms INTEGER
      ) STRICT;
      CREATE INDEX markers_by_recording ON markers(recording_id, recording_offset_ms);

      CREATE TABLE clips (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recording_id INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
        file TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL CHECK (mode IN ('copy', 'vertical')),
        in_ms INTEGER NOT NULL,
        out_ms INTEGER NOT NULL,
        duration_ms INTEGER,
        size_bytes INTEGER,
        published INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX comments_by_clip ON comments(clip_id, created_at);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL                          -- JSON
      ) STRICT;
    `);
  },
};
