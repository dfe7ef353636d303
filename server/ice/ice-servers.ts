import type { IceServerConfig, IceServerView, IceSettings, IceSettingsInput } from '../../common/ice.js';
import { BadRequestError } from '../errors.js';
import type { WritableDB } from '../library/database.js';
import { listIceServers, replaceIceServers, type IceServerRow, type IceServerWrite } from '../library/ice-servers.js';
import { mintTurnCredential } from './turn-credentials.js';

/**
 * The busker's STUN/TURN servers: kept in the library, edited from the studio, handed to every
 * publisher and viewer right before it makes its peer connection (GET /api/ice) and to any WHIP/WHEP
 * client in the 201's Link headers (RFC 9725 §4.6). TURN REST credentials are minted per request;
 * shared secrets and passwords are never part of `view()`.
 *
 * The node itself never uses these servers: it is ICE-lite with host candidates only. A relayed
 * browser reaches the node's host address through its TURN server, which therefore must be able to
 * reach the node (coturn on the laptop itself, or on the same network).
 */
export class IceServerStore {
  #servers: IceServerRow[];

  constructor(
    private readonly db: WritableDB,
    private readonly now: () => number = Date.now,
  ) {
    this.#servers = listIceServers(db);
  }

  /** What the studio sees: everything but the secrets, which show only as set. */
  view(): IceSettings {
    return { servers: this.#servers.map(viewOf) };
  }

  /**
   * Saves the whole list. A REST secret or long-term password left out keeps the one saved for the
   * same server id (and the same kind of credentials); a new server must bring its own.
   */
  update(input: IceSettingsInput): IceSettings {
    const saved = new Map(this.#servers.map((server) => [server.id, server]));
    const rows = input.servers.map((server, index): IceServerWrite => {
      const before = server.id === undefined ? undefined : saved.get(server.id);
      const id = before?.id;
      const where = `Server #${index + 1}`;
      switch (server.auth.kind) {
        case 'none':
          return { id, urls: server.urls, auth: 'none' };
        case 'rest': {
          const secret = server.auth.secret ?? (before?.auth === 'rest' ? before.secret : undefined);
          if (!secret) throw new BadRequestError(`${where}: enter the shared secret (coturn's static-auth-secret).`, 'bad_ice_servers');
          return { id, urls: server.urls, auth: 'rest', secret, ttlSeconds: server.auth.ttlSeconds };
        }
        case 'long-term': {
          const password = server.auth.password ?? (before?.auth === 'long-term' ? before.password : undefined);
          if (!password) throw new BadRequestError(`${where}: enter the password.`, 'bad_ice_servers');
          return { id, urls: server.urls, auth: 'long-term', username: server.auth.username, password, realm: server.auth.realm };
        }
      }
    });
    this.#servers = replaceIceServers(this.db, rows, this.now());
    return this.view();
  }

  /** For one new peer connection: fresh TURN REST credentials, each with its own random id. */
  forClient(): IceServerConfig[] {
    return this.#servers.map((server): IceServerConfig => {
      switch (server.auth) {
        case 'none':
          return { urls: [...server.urls] };
        case 'rest': {
          const { username, credential } = mintTurnCredential(server.secret, server.ttlSeconds, { now: this.now() });
          return { urls: [...server.urls], username, credential };
        }
        case 'long-term':
          // Long-term credentials can only work by reaching the browser as they are: REST is preferred.
          return { urls: [...server.urls], username: server.username, credential: server.password };
      }
    });
  }

  /**
   * RFC 9725 §4.6: the same servers as Link headers of a WHIP/WHEP 201, for clients (OBS…) that do
   * not know /api/ice, e.g. `<turn:host:3478?transport=udp>; rel="ice-server"; username="…";
   * credential="…"; credential-type="password"`. One header per URL.
   */
  linkHeaders(): string[] {
    return this.forClient().flatMap((server) =>
      server.urls.map((url) => {
        const credentials =
          server.username !== undefined && server.credential !== undefined
            ? `; username="${server.username}"; credential="${server.credential}"; credential-type="password"`
            : '';
        return `<${url}>; rel="ice-server"${credentials}`;
      }),
    );
  }
}

function viewOf(server: IceServerRow): IceServerView {
  const base = { id: server.id, urls: [...server.urls] };
  switch (server.auth) {
    case 'none':
      return { ...base, auth: { kind: 'none' } };
    case 'rest':
      return { ...base, auth: { kind: 'rest', secretSet: server.secret.length > 0, ttlSeconds: server.ttlSeconds } };
    case 'long-term':
      return { ...base, auth: { kind: 'long-term', username: server.username, realm: server.realm, passwordSet: server.password.length > 0 } };
  }
}
