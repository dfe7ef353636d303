/**
 * STUN/TURN settings (issue #8) without a network: coturn's TURN REST credentials against a known
 * HMAC vector, URL validation, the settings schema, the library table (migration 0040), and the
 * store — secrets kept but never shown, fresh credentials per client, RFC 9725 Link headers.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { IceSettingsInputSchema, parseIceUrl, type IceSettingsInput } from '../../../common/ice.js';
import { IceServerStore } from '../../../server/ice/ice-servers.js';
import { mintTurnCredential } from '../../../server/ice/turn-credentials.js';
import { openLibraryDatabase } from '../../../server/library/database.js';
import { runMigrations } from '../../../server/library/migrations/index.js';
import { iceServersOf } from '../../../renderer/lib/ice.js';

describe('TURN REST credentials (coturn use-auth-secret)', () => {
  it('username is "<expiry>:<id>", password base64(HMAC-SHA1(secret, username)) — a vector computed with openssl', () => {
    // echo -n "1700003600:curbcast" | openssl dgst -sha1 -hmac "north-pier-secret" -binary | base64
    const minted = mintTurnCredential('north-pier-secret', 3600, { now: 1_700_000_000_000, id: 'curbcast' });
    expect(minted).toEqual({ username: '1700003600:curbcast', credential: 'NcdRigEj61tN3R+qnxfMwOXCtSg=', expiresAt: 1_700_003_600 });
  });

  it('each credential gets its own random id and expires ttl seconds from now', () => {
    const now = Date.now();
    const a = mintTurnCredential('s3cret-value', 600, { now });
    const b = mintTurnCredential('s3cret-value', 600, { now });
    expect(a.username).not.toBe(b.username);
    expect(a.credential).not.toBe(b.credential);
    expect(a.username).toMatch(new RegExp(`^${Math.floor(now / 1000) + 600}:[A-Za-z0-9_-]+$`));
  });
});

describe('STUN/TURN URLs', () => {
  it.each([
    ['stun:stun.example.org', { scheme: 'stun', host: 'stun.example.org', port: undefined, transport: undefined }],
    ['stun:192.0.2.1:3478', { scheme: 'stun', host: '192.0.2.1', port: 3478 }],
    ['turn:127.0.0.1:34781?transport=udp', { scheme: 'turn', host: '127.0.0.1', port: 34781, transport: 'udp' }],
    ['TURN:Turn.Example.org:443?transport=tcp', { scheme: 'turn', host: 'Turn.Example.org', port: 443, transport: 'tcp' }],
    ['turns:turn.example.org:5349', { scheme: 'turns', host: 'turn.example.org', port: 5349 }],
    ['turns:turn.example.org?transport=tcp', { scheme: 'turns', transport: 'tcp' }],
    ['turn:[2001:db8::1]:3478', { scheme: 'turn', host: '2001:db8::1', port: 3478 }],
  ])('accepts %s', (url, parts) => {
    expect(parseIceUrl(url)).toMatchObject(parts);
  });

  it.each([
    ['http://turn.example.org', /must start with stun:, turn: or turns:/],
    ['turn://turn.example.org:3478', /no "\/\/"/],
    ['turn:user:pass@turn.example.org', /username in its own field|not a host/],
    ['turn:bad_host!:3478', /not a host name/],
    ['turn:turn.example.org:0', /port must be a number from 1 to 65535/],
    ['turn:turn.example.org:70000', /port/],
    ['turn:turn.example.org:34x', /port/],
    ['stun:stun.example.org?transport=udp', /takes no \?transport/],
    ['turn:turn.example.org?transport=sctp', /transport=udp or \?transport=tcp/],
    ['turns:turn.example.org?transport=udp', /TCP only/],
    ['turn:2001:db8::1', /IPv6 address in brackets/],
    ['turn:', /not a host name/],
  ])('refuses %s with a reason', (url, reason) => {
    const parsed = parseIceUrl(url);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(reason);
  });

  it('the settings schema normalises addresses and asks for credentials where they belong', () => {
    const ok = IceSettingsInputSchema.parse({
      servers: [
        { urls: [' STUN:Stun.Example.org '], auth: { kind: 'none' } },
        { urls: ['turn:Turn.Example.org:3478?transport=UDP'], auth: { kind: 'rest', secret: 'a-long-secret' } },
      ],
    });
    expect(ok.servers[0]!.urls).toEqual(['stun:stun.example.org']);
    expect(ok.servers[1]!.urls).toEqual(['turn:turn.example.org:3478?transport=udp']);
    expect(ok.servers[1]!.auth).toEqual({ kind: 'rest', secret: 'a-long-secret', ttlSeconds: 3600 });

    const refusal = (input: unknown) => {
      const parsed = IceSettingsInputSchema.safeParse(input);
      return parsed.success ? '' : parsed.error.issues.map((issue) => issue.message).join(' | ');
    };
    expect(refusal({ servers: [{ urls: ['turn:t.example.org'], auth: { kind: 'none' } }] })).toMatch(/TURN server needs credentials/);
    expect(refusal({ servers: [{ urls: ['stun:s.example.org'], auth: { kind: 'rest', secret: 'a-long-secret' } }] })).toMatch(/STUN servers take no credentials/);
    expect(refusal({ servers: [{ urls: ['turn:t.example.org'], auth: { kind: 'rest', secret: 'short' } }] })).toMatch(/at least 8/);
    expect(refusal({ servers: [{ urls: ['turn:t.example.org'], auth: { kind: 'rest', secret: 'a-long-secret', ttlSeconds: 5 } }] })).toMatch(/at least 60 s/);
    expect(refusal({ servers: [{ urls: ['turn:t.example.org'], auth: { kind: 'long-term', username: 'mo"x', password: 'password1', realm: 'r' } }] })).toMatch(/may not contain "/);
    expect(refusal({ servers: [{ urls: ['turn:t.example.org'], auth: { kind: 'long-term', username: 'mo', password: 'password1' } }] })).not.toBe('');
    expect(refusal({ servers: [{ urls: [], auth: { kind: 'none' } }] })).toMatch(/at least one address/);
    expect(refusal({ servers: Array.from({ length: 6 }, () => ({ urls: ['stun:s.example.org'], auth: { kind: 'none' } })) })).toMatch(/at most 5/);
  });
});

describe('migration 0040 and the store', () => {
  it('0040 adds ice_servers, whose CHECKs keep every kind whole', () => {
    const db = new Database(':memory:');
    runMigrations(db, 40);
    expect(db.pragma('user_version', { simple: true })).toBe(40);
    const insert = (auth: string, secret: string | null, ttl: number | null, username: string | null, realm: string | null) =>
      db
        .prepare(`INSERT INTO ice_servers (position, urls, auth, secret, ttl_seconds, username, realm, updated_at) VALUES (0, '[]', ?, ?, ?, ?, ?, 0)`)
        .run(auth, secret, ttl, username, realm);
    expect(() => insert('rest', null, 3600, null, null)).toThrow(/CHECK/);
    expect(() => insert('rest', 'secret', 0, null, null)).toThrow(/CHECK/);
    expect(() => insert('long-term', 'pw', null, 'mo', null)).toThrow(/CHECK/);
    expect(() => insert('none', 'pw', null, null, null)).toThrow(/CHECK/);
    expect(() => insert('oauth', null, null, null, null)).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO ice_servers (position, urls, auth, updated_at) VALUES ('first', '[]', 'none', 0)`).run()).toThrow();
    insert('rest', 'secret', 3600, null, null);
    insert('long-term', 'pw', null, 'mo', 'curbcast.test');
    insert('none', null, null, null, null);
    expect(db.prepare('SELECT COUNT(*) AS n FROM ice_servers').get()).toEqual({ n: 3 });
  });

  it('starts empty: nothing external is contacted by default', () => {
    const db = openLibraryDatabase(':memory:');
    const store = new IceServerStore(db);
    expect(store.view()).toEqual({ servers: [] });
    expect(store.forClient()).toEqual([]);
    expect(store.linkHeaders()).toEqual([]);
    db.close();
  });

  it('keeps secrets write-only, mints fresh credentials per client, and writes RFC 9725 Link headers', () => {
    const db = openLibraryDatabase(':memory:');
    let now = 1_700_000_000_000;
    const store = new IceServerStore(db, () => now);
    const input: IceSettingsInput = IceSettingsInputSchema.parse({
      servers: [
        { urls: ['stun:stun.example.org:3478'], auth: { kind: 'none' } },
        { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443'], auth: { kind: 'rest', secret: 'north-pier-secret', ttlSeconds: 600 } },
        { urls: ['turn:old.example.org'], auth: { kind: 'long-term', username: 'mo', password: 'fiddle-password', realm: 'curbcast.test' } },
      ],
    });
    const view = store.update(input);
    expect(JSON.stringify(view)).not.toMatch(/north-pier-secret|fiddle-password/);
    expect(view.servers.map((s) => s.auth)).toEqual([
      { kind: 'none' },
      { kind: 'rest', secretSet: true, ttlSeconds: 600 },
      { kind: 'long-term', username: 'mo', realm: 'curbcast.test', passwordSet: true },
    ]);

    const first = store.forClient();
    now += 1000;
    const second = store.forClient();
    expect(first[0]).toEqual({ urls: ['stun:stun.example.org:3478'] });
    expect(first[1]!.username).toMatch(/^1700000600:/);
    expect(second[1]!.username).toMatch(/^1700000601:/);
    expect(first[1]!.credential).not.toBe(second[1]!.credential);
    expect(JSON.stringify(first)).not.toContain('north-pier-secret');
    // Long-term credentials can only reach the browser as they are (why REST is preferred).
    expect(first[2]).toEqual({ urls: ['turn:old.example.org'], username: 'mo', credential: 'fiddle-password' });

    const links = store.linkHeaders();
    expect(links).toHaveLength(4);
    expect(links[0]).toBe('<stun:stun.example.org:3478>; rel="ice-server"');
    expect(links[1]).toMatch(/^<turn:turn\.example\.org:3478\?transport=udp>; rel="ice-server"; username="\d+:[\w-]+"; credential="[A-Za-z0-9+/=]+"; credential-type="password"$/);
    expect(links[2]).toMatch(/^<turns:turn\.example\.org:443>; rel="ice-server"; username=/);

    // Saving again without the secrets keeps them (matched by id); a new server must bring its own.
    const ids = view.servers.map((s) => s.id);
    const again = store.update(
      IceSettingsInputSchema.parse({
        servers: [
          { id: ids[1], urls: ['turn:turn.example.org:3478?transport=udp'], auth: { kind: 'rest', ttlSeconds: 900 } },
          { id: ids[2], urls: ['turn:old.example.org'], auth: { kind: 'long-term', username: 'mo', realm: 'curbcast.test' } },
        ],
      }),
    );
    expect(again.servers.map((s) => s.id)).toEqual([ids[1], ids[2]]);
    const minted = mintTurnCredential('north-pier-secret', 900, { now, id: 'x' });
    const client = store.forClient();
    expect(client[0]!.username!.split(':')[0]).toBe(minted.username.split(':')[0]);
    expect(client[1]!.credential).toBe('fiddle-password');
    expect(() =>
      store.update(IceSettingsInputSchema.parse({ servers: [{ urls: ['turn:new.example.org'], auth: { kind: 'rest' } }] })),
    ).toThrow(/enter the shared secret/);
    // Another kind of credentials on the same id does not inherit the old secret.
    expect(() =>
      store.update(IceSettingsInputSchema.parse({ servers: [{ id: ids[2], urls: ['turn:old.example.org'], auth: { kind: 'rest' } }] })),
    ).toThrow(/enter the shared secret/);

    // Kept in the library: a new store (a node restart) reads the same servers.
    expect(new IceServerStore(db, () => now).view()).toEqual(store.view());
    db.close();
  });
});

describe('the pages read /api/ice defensively', () => {
  it('keeps well-formed servers only and never throws', () => {
    expect(iceServersOf({ iceServers: [{ urls: ['turn:h:1'], username: 'u', credential: 'c' }, { urls: 'stun:h' }] })).toEqual([
      { urls: ['turn:h:1'], username: 'u', credential: 'c' },
      { urls: ['stun:h'] },
    ]);
    expect(iceServersOf({ iceServers: [{ urls: [] }, { urls: [1] }, null, 'x', { urls: ['stun:h'], username: 5 }] })).toEqual([{ urls: ['stun:h'] }]);
    for (const body of [null, 'x', {}, { iceServers: 'no' }, []]) expect(iceServersOf(body)).toEqual([]);
  });
});
