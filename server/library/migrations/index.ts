import type Database from 'better-sqlite3';
import { migration0010 } from './0010-initial.js';
import { migration0020 } from './0020-audience.js';
import { migration0030 } from './0030-shorts.js';
import { migration0040 } from './0040-ice-servers.js';

export interface Migration {
  /** Numbered in steps of 10, leaving room for hotfixes; a shipped migration is never edited. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [migration0010, migration0020, migration0030, migration0040];

export class DatabaseFromTheFutureError extends Error {
  override name = 'DatabaseFromTheFutureError';
}

/** Runs pending migrations in order, each in its own transaction, up to `target` (default: all). */
export function runMigrations(db: Database.Database, target = MIGRATIONS.at(-1)?.version ?? 0): void {
  const versions = MIGRATIONS.map((m) => m.version);
  if (versions.some((v, i) => i > 0 && v <= versions[i - 1]!)) throw new Error('migrations out of order');
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new DatabaseFromTheFutureError(
      `The library was written by a newer Curbcast (schema ${current}, this one knows ${newest}). Update Curbcast.`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
