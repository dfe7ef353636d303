import { z } from 'zod';

/**
 * STUN/TURN servers (issue #8), as the busker configures them in the studio and as the node hands
 * them to the pages. Nothing is configured by default, so nothing outside the busker's network is
 * ever contacted unless the busker adds a server.
 *
 * Secrets are write-only: the shared secret of a TURN REST server and the password of a long-term
 * one are sent by the studio, kept in the library, and never sent back to any page. A viewer gets
 * only what its browser needs for one session: for TURN REST a username/password minted for it,
 * valid for `ttlSeconds`; for long-term credentials, necessarily, the password itself.
 */

export const ICE_PATHS = {
  /** Public GET: `{iceServers}` for one new peer connection (fresh TURN credentials each time). */
  servers: '/api/ice',
  /** Admin GET/PUT: the configured servers, secrets shown only as "set". */
  settings: '/api/ice/settings',
} as const;

export const ICE_LIMITS = {
  servers: 5,
  urlsPerServer: 4,
  urlLength: 300,
  secretLength: 256,
  nameLength: 128,
  /** TURN REST credentials live this long by default (1 h); coturn checks them when allocating. */
  defaultTtlSeconds: 3600,
  minTtlSeconds: 60,
  maxTtlSeconds: 86_400,
} as const;

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/i;

export type IceScheme = 'stun' | 'turn' | 'turns';

export interface ParsedIceUrl {
  scheme: IceScheme;
  host: string;
  port: number | undefined;
  transport: 'udp' | 'tcp' | undefined;
}

/**
 * Checks a STUN/TURN URL as RFC 7064/7065 write them, the way browsers take them:
 * `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `turns:host[:port][?transport=tcp]`.
 * Returns the parts, or a sentence for the busker saying what is wrong.
 */
export function parseIceUrl(url: string): ParsedIceUrl | { error: string } {
  const match = /^(stun|turn|turns):([^?]*)(?:\?(.*))?$/i.exec(url);
  if (!match) {
    return { error: `"${url}" is not a STUN/TURN address: it must start with stun:, turn: or turns: (e.g. turn:turn.example.org:3478)` };
  }
  const scheme = match[1]!.toLowerCase() as IceScheme;
  const rest = match[2]!;
  const query = match[3];
  if (rest.startsWith('//')) return { error: `"${url}": no "//" after ${scheme}: (write ${scheme}:host:port)` };
  if (rest.includes('@')) return { error: `"${url}": put the username in its own field, not in the address` };
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
    if (!IPV6.test(host) || !host.includes(':')) return { error: `"${url}": "${host}" is not an IPv6 address` };
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) return { error: `"${url}": write an IPv6 address in brackets, e.g. ${scheme}:[2001:db8::1]:3478` };
    host = parts[0]!;
    portText = parts[1];
    if (!IPV4.test(host) && !HOST_NAME.test(host)) return { error: `"${url}": "${host}" is not a host name or IP address` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return { error: `"${url}": the port must be a number from 1 to 65535` };
  }
  let transport: 'udp' | 'tcp' | undefined;
  if (query !== undefined) {
    if (scheme === 'stun') return { error: `"${url}": a stun: address takes no ?transport (STUN is UDP)` };
    const t = /^transport=(udp|tcp)$/i.exec(query);
    if (!t) return { error: `"${url}": the only option is ?transport=udp or ?transport=tcp` };
    transport = t[1]!.toLowerCase() as 'udp' | 'tcp';
    if (scheme === 'turns' && transport === 'udp') {
      return { error: `"${url}": turns: is TURN over TLS, which browsers run over TCP only; drop ?transport=udp` };
    }
  }
  return { scheme, host, port, transport };
}

/** The URL as stored: scheme and host in lower case, nothing else changed. */
export function normalizeIceUrl(url: string): string {
  const parsed = parseIceUrl(url);
  if ('error' in parsed) return url;
  const host = parsed.host.includes(':') ? `[${parsed.host.toLowerCase()}]` : parsed.host.toLowerCase();
  return `${parsed.scheme}:${host}${parsed.port ? `:${parsed.port}` : ''}${parsed.transport ? `?transport=${parsed.transport}` : ''}`;
}

export function isTurnUrl(url: string): boolean {
  return /^turns?:/i.test(url);
}

/**
 * Text that may be sent in a header's quoted string (RFC 9725's Link header) and typed by a person:
 * printable ASCII without `"` and `\`.
 */
const headerSafe = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} is missing`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(/^[\x20-\x7e]+$/, `${what} may use only plain printable characters (ASCII)`)
    .refine((value) => !/["\\]/.test(value), `${what} may not contain " or \\`);

const IceUrlSchema = z
  .string()
  .trim()
  .max(ICE_LIMITS.urlLength, `an address is longer than ${ICE_LIMITS.urlLength} characters`)
  .superRefine((url, ctx) => {
    const parsed = parseIceUrl(url);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  })
  .transform(normalizeIceUrl);

const SecretSchema = (what: string) =>
  z
    .string()
    .min(8, `${what} must be at least 8 characters`)
    .max(ICE_LIMITS.secretLength, `${what} is longer than ${ICE_LIMITS.secretLength} characters`)
    .regex(/^[\x21-\x7e]+$/, `${what} may use only printable ASCII characters, no spaces`);

/**
 * How the browser authenticates to the server, as the studio sends it. A secret or password left
 * out keeps the one the node has for that server (matched by `id`): the studio never sees it.
 */
export const IceAuthInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('rest'),
    /** coturn's `static-auth-secret` (use-auth-secret). */
    secret: SecretSchema('The shared secret').optional(),
    ttlSeconds: z
      .number()
      .int('the lifetime is whole seconds')
      .min(ICE_LIMITS.minTtlSeconds, `credentials must live at least ${ICE_LIMITS.minTtlSeconds} s`)
      .max(ICE_LIMITS.maxTtlSeconds, `credentials may live at most ${ICE_LIMITS.maxTtlSeconds} s (a day)`)
      .default(ICE_LIMITS.defaultTtlSeconds),
  }),
  z.object({
    kind: z.literal('long-term'),
    username: headerSafe('The username', ICE_LIMITS.nameLength),
    password: SecretSchema('The password').optional(),
    /** coturn's `realm=`: the server names it in its 401; a mismatch is the classic silent failure. */
    realm: headerSafe('The realm', ICE_LIMITS.nameLength),
  }),
]);
export type IceAuthInput = z.infer<typeof IceAuthInputSchema>;

export const IceServerInputSchema = z
  .object({
    /** The node's id of a server already saved (keeps its secret when none is given). */
    id: z.number().int().positive().optional(),
    urls: z
      .array(IceUrlSchema)
      .min(1, 'give at least one address')
      .max(ICE_LIMITS.urlsPerServer, `at most ${ICE_LIMITS.urlsPerServer} addresses per server`),
    auth: IceAuthInputSchema,
  })
  .superRefine((server, ctx) => {
    const turn = server.urls.some(isTurnUrl);
    if (turn && server.auth.kind === 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'a TURN server needs credentials: a shared secret (TURN REST, preferred) or a username and password',
      });
    }
    if (!turn && server.auth.kind !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'STUN servers take no credentials; only turn: and turns: addresses do' });
    }
  });
export type IceServerInput = z.infer<typeof IceServerInputSchema>;

/** PUT /api/ice/settings — admin: the whole list, in order. */
export const IceSettingsInputSchema = z.object({
  servers: z.array(IceServerInputSchema).max(ICE_LIMITS.servers, `at most ${ICE_LIMITS.servers} servers`),
});
export type IceSettingsInput = z.infer<typeof IceSettingsInputSchema>;

/** A configured server as the studio sees it: secrets only as "set". */
export const IceServerViewSchema = z.object({
  id: z.number(),
  urls: z.array(z.string()),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('rest'), secretSet: z.boolean(), ttlSeconds: z.number() }),
    z.object({ kind: z.literal('long-term'), username: z.string(), realm: z.string(), passwordSet: z.boolean() }),
  ]),
});
export type IceServerView = z.infer<typeof IceServerViewSchema>;

/** GET/PUT /api/ice/settings — admin. */
export const IceSettingsSchema = z.object({ servers: z.array(IceServerViewSchema) });
export type IceSettings = z.infer<typeof IceSettingsSchema>;

/** One entry of RTCConfiguration.iceServers (the DOM type, without depending on the DOM library). */
export interface IceServerConfig {
  urls: string[];
  username?: string;
  credential?: string;
}

/** GET /api/ice — public: what a page passes to `new RTCPeerConnection({iceServers})`. */
export interface IceServersAnswer {
  iceServers: IceServerConfig[];
}
