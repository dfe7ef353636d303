import type { ReadableDB, WritableDB } from './database.js';

/** One configured STUN/TURN server, as stored (secrets included: never send a row to a page). */
export type IceServerRow =
  | { id: number; urls: string[]; auth: 'none' }
  | { id: number; urls: string[]; auth: 'rest'; secret: string; ttlSeconds: number }
  | { id: number; urls: string[]; auth: 'long-term'; username: string; password: string; realm: string };

/** A row to write; `id` keeps a saved server's id, none makes a new one. */
export type IceServerWrite = WithoutId<IceServerRow>;
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> & { id?: number } : never;

interface StoredRow {
  id: number;
  urls: string;
  auth: string;
  secret: string | null;
  ttl_seconds: number | null;
  username: string | null;
  realm: string | null;
}

/** The servers in the busker's order. A row that no longer reads (edited by hand) is skipped. */
export function listIceServers(db: ReadableDB): IceServerRow[] {
  const rows = db.prepare('SELECT id, urls, auth, secret, ttl_seconds, username, realm FROM ice_servers ORDER BY position, id').all() as StoredRow[];
  return rows.flatMap((row) => {
    const server = fromStored(row);
    return server ? [server] : [];
  });
}

/** Replaces the whole list in one transaction (the studio always sends the whole list). */
export function replaceIceServers(db: WritableDB, servers: readonly IceServerWrite[], now = Date.now()): IceServerRow[] {
  const insert = db.prepare(
    `INSERT INTO ice_servers (id, position, urls, auth, secret, ttl_seconds, username, realm, updated_at)
     VALUES (@id, @position, @urls, @auth, @secret, @ttl, @username, @realm, @now)`,
  );
  db.transaction(() => {
    db.prepare('DELETE FROM ice_servers').run();
    servers.forEach((server, position) => {
      insert.run({
        id: server.id ?? null,
        position,
        urls: JSON.stringify(server.urls),
        auth: server.auth,
        secret: server.auth === 'rest' ? server.secret : server.auth === 'long-term' ? server.password : null,
        ttl: server.auth === 'rest' ? server.ttlSeconds : null,
        username: server.auth === 'long-term' ? server.username : null,
        realm: server.auth === 'long-term' ? server.realm : null,
        now,
      });
    });
  })();
  return listIceServers(db);
}

function fromStored(row: StoredRow): IceServerRow | undefined {
  let urls: unknown;
  try {
    urls = JSON.parse(row.urls);
  } catch {
    return undefined;
  }
  if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) return undefined;
  const base = { id: row.id, urls: urls as string[] };
  switch (row.auth) {
    case 'none':
      return { ...base, auth: 'none' };
    case 'rest':
      return row.secret !== null && row.ttl_seconds !== null ? { ...base, auth: 'rest', secret: row.secret, ttlSeconds: row.ttl_seconds } : undefined;
    case 'long-term':
      return row.secret !== null && row.username !== null && row.realm !== null
        ? { ...base, auth: 'long-term', username: row.username, password: row.secret, realm: row.realm }
        : undefined;
    default:
      return undefined;
  }
}
