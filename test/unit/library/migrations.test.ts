import Database from 'better-sqlite3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDatabase } from '../../../server/library/database.js';
import { DatabaseFromTheFutureError, MIGRATIONS, runMigrations } from '../../../server/library/migrations/index.js';

describe('migrations', () => {
  it('0010 creates every table the product needs, with STRICT types and cascades', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    runMigrations(db, 10);
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name);
    expect(tables).toEqual(['chat_messages', 'clips', 'comments', 'markers', 'recordings', 'sets', 'settings']);
    // STRICT: a wrong type is refused, not silently stored.
    expect(() => db.prepare(`INSERT INTO sets (title, started_at) VALUES ('x', 'yesterday')`).run()).toThrow();
    // A recording's status is one of four.
    db.prepare(`INSERT INTO sets (id, started_at) VALUES (1, 0)`).run();
    expect(() => db.prepare(`INSERT INTO recordings (set_id, file, status, started_at) VALUES (1, 'a', 'weird', 0)`).run()).toThrow();
    db.prepare(`INSERT INTO recordings (set_id, file, status, started_at) VALUES (1, 'a', 'recording', 0)`).run();
    db.prepare(`INSERT INTO chat_messages (set_id, author_name, author_role, text, created_at) VALUES (1, 'A', 'viewer', 'hi', 0)`).run();
    db.prepare(`DELETE FROM sets WHERE id = 1`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM recordings').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM chat_messages').get()).toEqual({ n: 0 });
  });

  it('runs once: reopening an up-to-date file changes nothing', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'curbcast-lib-')), 'library.sqlite');
    const first = openLibraryDatabase(path);
    first.prepare(`INSERT INTO settings (key, value) VALUES ('k', '1')`).run();
    first.close();
    const second = openLibraryDatabase(path);
    expect(second.prepare('SELECT value FROM settings').get()).toEqual({ value: '1' });
    expect(second.pragma('journal_mode', { simple: true })).toBe('wal');
    second.close();
  });

  it('refuses a database written by a newer Curbcast', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${(MIGRATIONS.at(-1)?.version ?? 0) + 10}`);
    expect(() => runMigrations(db)).toThrow(DatabaseFromTheFutureError);
  });
});
