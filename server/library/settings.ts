import type { z } from 'zod';
import type { ReadableDB, WritableDB } from './database.js';

/** Keys of the `settings` table (one JSON value each). */
export type SettingKey = 'profile' | 'avatar' | 'chat-settings' | 'location-draft' | 'relay';

/**
 * Reads a setting and checks it against its schema; a missing or no longer valid value (an older
 * version wrote it, or someone edited the file) gives the fallback rather than an error.
 */
export function readSetting<T>(db: ReadableDB, key: SettingKey, schema: z.ZodType<T>, fallback: T): T {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

export function writeSetting(db: WritableDB, key: SettingKey, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    JSON.stringify(value),
  );
}

export function deleteSetting(db: WritableDB, key: SettingKey): void {
  db.prepare('DELETE FROM settings WHERE key = ?').run(key);
}
