import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { runMigrations } from './migrations/index.js';

/**
 * Read and write handles are different types (after Signal Desktop's sql/Interface): a function
 * that only reads asks for a ReadableDB, so nothing that holds one can write by accident.
 */
export type ReadableDB = Database.Database & { readonly __readable: unique symbol };
export type WritableDB = ReadableDB & { readonly __writable: unique symbol };

export const LIBRARY_FILE = 'library.sqlite';

/**
 * Opens (creating if needed) the library database and brings its schema up to date.
 * WAL: readers never block the writer and a crash loses no committed row;
 * synchronous=NORMAL is durable in WAL mode except for the last transactions on power loss.
 */
export function openLibraryDatabase(path: string): WritableDB {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 2000');
    runMigrations(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db as WritableDB;
}
