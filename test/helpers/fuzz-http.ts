/**
 * The HTTP half of the fuzz test: generators of malformed requests (WHIP/WHEP, every JSON API
 * route, static pages and media with traversal attempts, broken HTTP itself) and two ways to send
 * them — node:http over keep-alive for well-formed HTTP with bad content, and raw TCP for bytes no
 * HTTP client would send. Every send has its own timeout: a hang is a failure, not a wait.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { NASTY_CHARS, Rng, wrongValue } from './fuzz-random.js';

export interface HttpCase {
  /** The family, for the tally ("whep-sdp-mutated", "api-bad-json", …). */
  family: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Bytes to write as they are (the request line and headers included), instead of method/path. */
  raw?: Buffer;
  /** A 2xx this input may legitimately get (a mutated offer that is still valid); anything else must be 4xx. */
  mayAccept?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const BODY_CAP = 256 * 1024;

export class HttpFuzzClient {
  readonly #agent: Agent;

  constructor(
    readonly port: number,
    concurrency: number,
    readonly timeoutMs = 10_000,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  send(c: HttpCase): Promise<HttpAnswer> {
    if (c.raw) return this.#sendRaw(c.raw);
    // node:http refuses to send a path with spaces or non-Latin-1 characters: those go raw.
    if (/[^\u0021-\u00ff]/.test(c.path)) {
      const headers = Object.entries(c.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      return this.#sendRaw(Buffer.from(`${c.method} ${c.path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n${headers}Connection: close\r\n\r\n`, 'latin1'));
    }
    return this.#sendHttp(c);
  }

  close(): void {
    this.#agent.destroy();
  }

  #sendHttp(c: HttpCase): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body, 'utf8');
      const headers: Record<string, string | number> = { ...c.headers };
      if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) {
        headers['Content-Length'] = body.length;
      }
      const req = request(
        { host: '127.0.0.1', port: this.port, method: c.method, path: c.path, headers, agent: this.#agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= BODY_CAP) chunks.push(chunk);
            else res.destroy();
          });
          const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      if (body) req.end(body);
      else req.end();
    });
  }

  /** One TCP connection per raw request; the answer's status line is all that is needed. */
  #sendRaw(raw: Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      const chunks: Buffer[] = [];
      let settled = false;
      const timer = setTimeout(() => finish(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        const text = Buffer.concat(chunks);
        const head = text.subarray(0, Math.max(0, text.indexOf('\r\n\r\n'))).toString('latin1');
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (match) {
          const headers: Record<string, string> = {};
          for (const line of head.split('\r\n').slice(1)) {
            const at = line.indexOf(':');
            if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
          }
          resolve({ status: Number(match[1]), headers, body: text.subarray(text.indexOf('\r\n\r\n') + 4) });
        } else {
          reject(error ?? new Error(`no HTTP answer (${text.length} bytes: ${JSON.stringify(text.subarray(0, 80).toString('latin1'))})`));
        }
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // Enough to read the status once the head is complete; the rest is not needed.
        if (Buffer.concat(chunks).includes('\r\n\r\n')) finish();
      });
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (error) => finish(error));
      socket.write(raw);
    });
  }
}

// ---------------------------------------------------------------- generators

export const WRONG_TOKENS = (token: string): Array<string | undefined> => [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'bearer',
  'Basic dXNlcjpwYXNz',
  'Digest username="x"',
  `Bearer ${token}x`,
  `Bearer ${token.slice(0, -1)}`,
  `Bearer ${token.slice(1)}`,
  `Bearer ${token.toUpperCase()}`,
  `Bearer ${token} ${token}`,
  `Bearer ${'A'.repeat(4096)}`,
  `Token ${token}`,
  `${token}`,
  `Bearer\t\t`,
  'Bearer null',
  'Bearer undefined',
  `Bearer ${Buffer.from(token).toString('base64')}`,
  'Bearer \u00ff\u00fe\u00e9',
];

/** Every admin route (method, path with sample ids): with no token or a wrong one, each must say 401. */
export const ADMIN_ROUTES: Array<[string, string]> = [
  ['POST', '/whip'],
  ['DELETE', '/whip/00000000-0000-0000-0000-000000000000'],
  ['GET', '/api/studio'],
  ['PUT', '/api/set'],
  ['GET', '/api/library'],
  ['DELETE', '/api/sets/1'],
  ['PUT', '/api/profile'],
  ['PUT', '/api/profile/avatar'],
  ['DELETE', '/api/profile/avatar'],
  ['GET', '/api/location'],
  ['PUT', '/api/location'],
  ['GET', '/api/schedule'],
  ['POST', '/api/schedule'],
  ['DELETE', '/api/schedule/1'],
  ['GET', '/api/chat/moderation'],
  ['PUT', '/api/chat/settings'],
  ['DELETE', '/api/chat/messages/1'],
  ['POST', '/api/chat/mutes'],
  ['DELETE', '/api/chat/mutes/0123456789abcdef0123456789abcdef'],
  ['GET', '/api/sets/1/markers'],
  ['GET', '/api/recordings/1/timeline'],
  ['POST', '/api/clips'],
  ['GET', '/api/clips'],
  ['GET', '/api/clips/jobs/x'],
  ['DELETE', '/api/clips/jobs/x'],
  ['POST', '/api/clips/vertical?recordingId=1&inMs=0&outMs=5000&title=x'],
  ['PATCH', '/api/clips/1'],
  ['DELETE', '/api/clips/1'],
  ['DELETE', '/api/shorts/1/comments/1'],
  ['POST', '/api/token/rotate'],
  ['GET', '/api/admin/gauges'],
  ['GET', '/api/ice/settings'],
  ['PUT', '/api/ice/settings'],
  ['GET', '/api/relay'],
  ['PUT', '/api/relay'],
];

/** Methods on paths that have routes, but not for that method: 405 with Allow. */
const NOT_ROUTES: Array<[string, string]> = [
  ['PATCH', '/api/status'], ['POST', '/api/status'], ['DELETE', '/api/status'], ['PUT', '/api/page'], ['DELETE', '/api/page'],
  ['POST', '/api/shorts'], ['GET', '/whip'], ['PUT', '/whip'], ['GET', '/whep'], ['PATCH', '/whep'], ['POST', '/api/share'],
  ['POST', '/api/library'], ['GET', '/api/token/rotate'], ['DELETE', '/api/token/rotate'], ['GET', '/api/set'], ['POST', '/api/studio'],
  ['DELETE', '/api/profile'], ['POST', '/api/profile/avatar'], ['POST', '/whep/x'], ['GET', '/whip/x'], ['PUT', '/api/clips/1'],
  ['POST', '/api/chat/moderation'], ['GET', '/api/chat/mutes'], ['GET', '/api/chat/settings'], ['POST', '/api/sets/1'], ['PUT', '/media/shorts/1'],
];

/** Routes whose body is JSON, for authenticated bad-body cases: [method, path, strict schema?]. */
const JSON_BODY_ROUTES: Array<[string, string]> = [
  ['PUT', '/api/set'],
  ['PUT', '/api/profile'],
  ['PUT', '/api/location'],
  ['POST', '/api/schedule'],
  ['PUT', '/api/chat/settings'],
  ['POST', '/api/chat/mutes'],
  ['POST', '/api/clips'],
  ['PATCH', '/api/clips/1'],
  ['PATCH', '/api/clips/999999'],
  ['PUT', '/api/relay'],
];

/** Paths with an id, for garbage ids (authenticated: must be 404, never 500). */
const ID_ROUTES: Array<[string, (id: string) => string]> = [
  ['DELETE', (id) => `/api/sets/${id}`],
  ['DELETE', (id) => `/api/schedule/${id}`],
  ['DELETE', (id) => `/api/chat/messages/${id}`],
  ['DELETE', (id) => `/api/chat/mutes/${id}`],
  ['GET', (id) => `/api/sets/${id}/markers`],
  ['GET', (id) => `/api/recordings/${id}/timeline`],
  ['GET', (id) => `/api/clips/jobs/${id}`],
  ['DELETE', (id) => `/api/clips/jobs/${id}`],
  ['DELETE', (id) => `/api/clips/${id}`],
  ['DELETE', (id) => `/api/shorts/${id}/comments/${id}`],
  ['DELETE', (id) => `/api/shorts/1/comments/${id}`],
  ['DELETE', (id) => `/whip/${id}`],
];

/** Public paths with an id (no token): must be 404. */
const PUBLIC_ID_ROUTES: Array<[string, (id: string) => string]> = [
  ['DELETE', (id) => `/whep/${id}`],
  ['GET', (id) => `/media/shorts/${id}`],
  ['GET', (id) => `/media/recordings/${id}`],
  ['GET', (id) => `/media/clips/${id}`],
  ['GET', (id) => `/media/recordings/${id}?expires=99999999999999&sig=${id}`],
  ['GET', (id) => `/media/clips/1?expires=${id}&sig=AAAA`],
  ['GET', (id) => `/media/recordings/1?expires=9999999999999&sig=${id}`],
];

/** Every byte of the UTF-8 (lone surrogates become U+FFFD) as %XX: encodeURIComponent throws on those. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

export function garbageId(rng: Rng): string {
  return rng.pick([
    () => '0',
    () => '-1',
    () => '1.5',
    () => '1e3',
    () => '1e309',
    () => 'NaN',
    () => 'Infinity',
    () => '0x10',
    () => '9007199254740993',
    () => '99999999999999999999999999',
    () => encodeURIComponent(rng.text(rng.between(1, 40))),
    () => 'a'.repeat(rng.between(100, 4000)),
    () => '%00',
    () => '%2e%2e',
    () => '..%2f..%2fetc%2fpasswd',
    () => '%ff%fe',
    () => '%',
    () => '%zz',
    () => percentEncode(rng.pick(NASTY_CHARS)),
    () => '00000000-0000-0000-0000-000000000000',
    () => String(rng.int(1_000_000) + 100_000),
  ])();
}

/** Bodies that are not JSON, or JSON that no schema here accepts. */
export function badJsonBody(rng: Rng): Buffer | string {
  switch (rng.int(10)) {
    case 0: return rng.bytes(rng.between(1, 300));
    case 1: return '{"title": ';
    case 2: return rng.text(rng.between(0, 100));
    // Cut short, then a tail that no JSON text can end with.
    case 3: return JSON.stringify(wrongValue(rng)).slice(0, rng.between(1, 50)) + rng.pick([',', ':', '}}', ']]', ',"']);
    case 4: return JSON.stringify(rng.pick([null, 1, 'x', [], [1, 2], true]));
    // A strict schema refuses an unknown key, whatever else the object holds.
    case 5: return JSON.stringify({ ...(wrongValue(rng) as object), ['\u0000fuzz' + rng.int(99)]: wrongValue(rng) });
    case 6: return JSON.stringify({ title: wrongValue(rng), hashtags: wrongValue(rng), name: wrongValue(rng), messageId: 'x', unknown: 1 });
    case 7: return '\ufeff{"a":1,}';
    case 8: return Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0xfe, 0x7d]);
    default: return `{"__proto__": {"polluted": true}, "x": ${'['.repeat(rng.between(10, 2000))}`;
  }
}

export function wrongContentType(rng: Rng, right: string): string | undefined {
  return rng.pick([
    undefined,
    '',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    `${right}x`,
    `x${right}`,
    right.toUpperCase().replace('/', '\\'),
    'application/octet-stream',
    '*/*',
    ';',
    rng.text(rng.between(1, 60)),
  ]);
}

/** Turns a valid offer into something else, most often invalid. */
export function mutateSdp(rng: Rng, sdp: string): string {
  const lines = sdp.split('\r\n').filter((l) => l !== '');
  const rounds = rng.between(1, 4);
  for (let r = 0; r < rounds; r++) {
    const i = rng.int(lines.length);
    switch (rng.int(14)) {
      case 0: lines.splice(i, 1); break;
      case 1: lines.splice(i, 0, lines[i] ?? ''); break;
      case 2: {
        const j = rng.int(lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      case 3: lines[i] = (lines[i] ?? '').slice(0, rng.int((lines[i] ?? '').length + 1)); break;
      case 4: lines.splice(i, 0, rng.text(rng.between(1, 80))); break;
      case 5: lines[i] = (lines[i] ?? '').replace(/\d+/g, () => rng.pick(['0', '-1', '99999999999', '4294967296', '1e5', 'NaN', ''])); break;
      case 6: lines[i] = (lines[i] ?? '').replace(/[A-Za-z]/, rng.pick(NASTY_CHARS)); break;
      case 7: lines.splice(i, 0, `a=${rng.pick(['rtpmap', 'fmtp', 'rtcp-fb', 'extmap', 'ssrc', 'msid', 'mid', 'setup', 'fingerprint', 'ice-ufrag', 'ice-pwd', 'candidate', 'rid', 'simulcast', 'ssrc-group', 'group'])}:${rng.text(rng.between(0, 120))}`); break;
      case 8: lines.splice(i, 0, `m=${rng.pick(['video', 'audio', 'application', 'text', ''])} ${rng.pick(['9', '0', '-1', 'x'])} ${rng.pick(['UDP/TLS/RTP/SAVPF', 'RTP/AVP', 'UDP/DTLS/SCTP', ''])} ${rng.pick(['96', '0 8', '', 'x', '300', '-5'])}`); break;
      case 9: lines[i] = `${lines[i] ?? ''}${'x'.repeat(rng.between(100, 3000))}`; break;
      case 10: {
        // Many more media sections (a BUNDLE with dozens of mids).
        const m = lines.findIndex((l) => l.startsWith('m='));
        if (m >= 0) for (let k = 0; k < rng.between(2, 40); k++) lines.push(...lines.slice(m, m + rng.between(3, 12)));
        break;
      }
      case 11: lines[i] = (lines[i] ?? '').replace('sha-256', rng.pick(['sha-1', 'md5', 'sha-999', ''])).replace(/([0-9A-F]{2}:){3}/, 'ZZ:'); break;
      case 12: lines[i] = (lines[i] ?? '').replace(/recvonly|sendonly|sendrecv/, rng.pick(['inactive', 'sendonly', 'recvonly', 'sendrecv', 'nonsense'])); break;
      default: lines[i] = (lines[i] ?? '').replace(/ /g, rng.pick(['  ', '\t', '', ' \u0000 ']));
    }
  }
  const joined = lines.join(rng.bool(0.9) ? '\r\n' : rng.pick(['\n', '\r', '\r\r\n']));
  return rng.bool(0.8) ? `${joined}\r\n` : joined.slice(0, rng.int(joined.length + 1));
}

/** Garbage where an SDP offer belongs. */
export function garbageSdp(rng: Rng, validOffer: string): Buffer | string {
  switch (rng.int(9)) {
    case 0: return '';
    case 1: return rng.bytes(rng.between(1, 2000));
    case 2: return `v=0\r\n${rng.text(rng.between(1, 500))}`;
    case 3: return validOffer.slice(0, rng.int(validOffer.length));
    case 4: return Buffer.concat([Buffer.from('v=0\r\n'), rng.bytes(rng.between(10, 500)), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc])]);
    case 5: return `v=0\r\n${'a=x\r\n'.repeat(rng.between(1, 3000))}`;
    case 6: return `v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n${'a=rtpmap:96 VP8/90000\r\n'.repeat(rng.between(1, 2000))}`;
    case 7: return JSON.stringify({ type: 'offer', sdp: validOffer });
    default: return validOffer.replace(/\r\n/g, '\u0000');
  }
}

/** Paths that try to leave the pages folder (or reach the data folder) in every spelling we know. */
export function traversalPath(rng: Rng): string {
  const up = rng.pick(['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '..%00', '%c0%ae%c0%ae', '....', '..;', '.. ', '%u002e%u002e']);
  const sep = rng.pick(['/', '%2f', '%2F', '%5c', '\\', '%252f', '//', '/./', '%c0%af']);
  const target = rng.pick(['secret.txt', 'etc/passwd', 'library.sqlite', 'publish-token', 'secret.txt%00.html', 'secret.txt%00', 'secret.txt/', 'secret.txt;.js']);
  const depth = rng.between(1, 8);
  const prefix = rng.pick(['', '/viewer', '/assets', '/studio', '/media', '/media/recordings', '/media/shorts', '/watch', '/studio/']);
  const base = `${prefix}/${Array.from({ length: depth }, () => up).join(sep)}${sep}${target}`;
  return rng.pick([
    base,
    base.replace(/^\//, '//'),
    `/${'%2e%2e%2f'.repeat(depth)}${target}`,
    `/..${'\\..'.repeat(depth)}\\${target}`,
    `/%2fetc%2fpasswd`,
    `//etc/passwd`,
    `/${encodeURIComponent('/etc/passwd')}`,
    `/C:%5cWindows%5cwin.ini`,
    `/viewer/%00/../../secret.txt`,
    `/viewer/index.html%00/../../../secret.txt`,
    `/${encodeURIComponent(encodeURIComponent('../secret.txt'))}`,
  ]);
}

/** Raw request bytes that no HTTP client would send. */
export function rawGarbageRequest(rng: Rng, port: number, token: string): Buffer {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const end = 'Connection: close\r\n\r\n';
  switch (rng.int(18)) {
    case 16:
    case 17: {
      // WebSocket upgrades: odd targets (some of which `new URL(target, base)` throws on) and broken handshakes.
      const target = rng.pick(['//', '///', '//[', '//a:b@', '//%', '//events', '/events/x', '/whep', '/', '/api/status', '/events', '/events']);
      const key = rng.pick([undefined, '', 'not-base64!', 'dGhlIHNhbXBsZSBub25jZQ==']);
      const version = rng.pick(['13', '99', '', 'x']);
      // A correct handshake on /events would be accepted (101): never sent here.
      const fixed = target === '/events' && key === 'dGhlIHNhbXBsZSBub25jZQ==' && version === '13' ? '99' : version;
      return Buffer.from(
        `GET ${target} HTTP/1.1\r\n${host}Upgrade: ${rng.pick(['websocket', 'websocket', 'h2c', 'WebSocket', 'x'])}\r\nConnection: Upgrade\r\n` +
          `${key === undefined ? '' : `Sec-WebSocket-Key: ${key}\r\n`}Sec-WebSocket-Version: ${fixed}\r\n\r\n`,
      );
    }
    case 0: return Buffer.concat([rng.bytes(rng.between(1, 200)), Buffer.from('\r\n\r\n')]);
    case 1: return Buffer.from(`${rng.text(rng.between(1, 12), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')} / HTTP/1.1\r\n${host}${end}`);
    case 2: return Buffer.from(`GET /${rng.pick(['..', '../..', '..\\..', '%2e%2e'])}/secret.txt HTTP/1.1\r\n${host}${end}`);
    case 3: return Buffer.from(`GET /viewer/\u0000../../secret.txt HTTP/1.1\r\n${host}${end}`, 'latin1');
    case 4: return Buffer.from(`GET http://127.0.0.1/../../secret.txt HTTP/1.1\r\n${host}${end}`);
    case 5: return Buffer.from(`GET / HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(rng.between(20_000, 70_000))}\r\n${end}`);
    case 6: return Buffer.from(`POST /whep HTTP/1.1\r\n${host}Content-Type: application/sdp\r\nContent-Length: 5\r\nContent-Length: 6\r\n${end}hello`);
    case 7: return Buffer.from(`POST /whep HTTP/1.1\r\n${host}Content-Type: application/sdp\r\nContent-Length: ${rng.pick(['-1', 'abc', '1e3', '0x10', '99999999999999999999'])}\r\n${end}`);
    case 8: return Buffer.from(`POST /whep HTTP/1.1\r\n${host}Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n${end}0\r\n\r\n`);
    case 9: return Buffer.from(`POST /whep HTTP/1.1\r\n${host}Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n${end}zz\r\n${rng.text(10)}\r\n0\r\n\r\n`);
    case 10: return Buffer.from(`GET / HTTP/1.1\r\n${host}${rng.pick(['Bad Header', ':', 'X:\u0000', '\u00ff: x', ' Leading: space'])}: y\r\n${end}`, 'latin1');
    case 11: return Buffer.from(`GET / HTTP/${rng.pick(['9.9', '1.x', '', '1.1.1', 'x', '11'])}\r\n${host}${end}`);
    case 12: return Buffer.from(`GET ${rng.pick(['', '*', 'x', '\t'])} HTTP/1.1\r\n${host}${end}`);
    case 13: return Buffer.from(`PUT /api/set HTTP/1.1\r\n${host}Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${end}${'ff'}\r\n${'{'.repeat(255)}\r\n0\r\n\r\n`);
    case 14: return Buffer.from(`DELETE /whep/${'a'.repeat(rng.between(1, 30))} HTTP/1.1\r\n${host}Authorization: ${'x'.repeat(rng.between(1, 100))}\r\n${end}`);
    default: return Buffer.from(`GET /api/status HTTP/1.1\r\n${host}${'X-A: b\r\n'.repeat(rng.between(2001, 3000))}${end}`);
  }
}

export interface GeneratorContext {
  port: number;
  token: string;
  /** A werift recvonly offer (WHEP) and sendonly offer (WHIP) to mutate. */
  whepOffer: string;
  whipOffer: string;
}

/** One generator per family; each returns one case per call. */
export function httpFamilies(ctx: GeneratorContext): Record<string, (rng: Rng) => HttpCase> {
  const auth = { Authorization: `Bearer ${ctx.token}` };
  return {
    'admin-no-or-wrong-token': (rng) => {
      const [method, path] = rng.pick(ADMIN_ROUTES);
      const value = rng.pick(WRONG_TOKENS(ctx.token));
      const body = method === 'GET' || method === 'DELETE' ? undefined : rng.pick([undefined, '{}', ctx.whipOffer, badJsonBody(rng)]);
      const type = rng.pick(['application/json', 'application/sdp', 'image/png', 'video/webm']);
      return { family: 'admin-no-or-wrong-token', method, path, headers: { ...(value === undefined ? {} : { Authorization: value }), 'Content-Type': type }, body };
    },
    'whip-bad-offer': (rng) => ({
      family: 'whip-bad-offer',
      method: 'POST',
      path: '/whip',
      headers: { ...auth, 'Content-Type': rng.bool(0.85) ? 'application/sdp' : (wrongContentType(rng, 'application/sdp') ?? '') },
      body: rng.bool(0.5) ? garbageSdp(rng, ctx.whipOffer) : mutateSdp(rng, ctx.whipOffer),
    }),
    'whep-garbage': (rng) => {
      const type = rng.bool(0.8) ? 'application/sdp' : wrongContentType(rng, 'application/sdp');
      return {
        family: 'whep-garbage',
        method: 'POST',
        path: rng.pick(['/whep', '/whep', '/whep?x=1', '/whep/', '/whep/x']),
        headers: { ...(type === undefined ? {} : { 'Content-Type': type }), ...(rng.bool(0.2) ? { Authorization: rng.pick(WRONG_TOKENS(ctx.token)) ?? '' } : {}) },
        body: garbageSdp(rng, ctx.whepOffer),
      };
    },
    // Offline, a mutated offer is checked and refused (400) or meets "nobody is live" (404): validateOffer's own fuzz.
    'whep-sdp-mutated-offline': (rng) => ({
      family: 'whep-sdp-mutated-offline',
      method: 'POST',
      path: '/whep',
      headers: { 'Content-Type': 'application/sdp' },
      body: mutateSdp(rng, rng.bool() ? ctx.whepOffer : ctx.whipOffer),
    }),
    'whep-huge': (rng) => ({
      family: 'whep-huge',
      method: 'POST',
      path: '/whep',
      headers: { 'Content-Type': 'application/sdp' },
      body: `v=0\r\n${'a=x\r\n'.repeat(rng.between(13_200, 40_000))}`,
    }),
    'json-bad-body': (rng) => {
      const [method, path] = rng.pick(JSON_BODY_ROUTES);
      const typed = rng.bool(0.8);
      return {
        family: 'json-bad-body',
        method,
        path,
        headers: { ...auth, ...(typed ? { 'Content-Type': rng.pick(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON']) } : { 'Content-Type': wrongContentType(rng, 'application/json') ?? 'text/plain' }) },
        body: badJsonBody(rng),
      };
    },
    'json-huge-body': (rng) => {
      const [method, path] = rng.pick(JSON_BODY_ROUTES);
      const size = rng.between(16 * 1024 + 1, 200 * 1024);
      return { family: 'json-huge-body', method, path, headers: { ...auth, 'Content-Type': 'application/json' }, body: `{"title":"${'x'.repeat(size)}"}` };
    },
    'avatar-bad-upload': (rng) => ({
      family: 'avatar-bad-upload',
      method: 'PUT',
      path: '/api/profile/avatar',
      headers: { ...auth, 'Content-Type': rng.pick(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/svg+xml', 'text/html', '']) },
      // PNG/JPEG/WebP magic never comes first here, so no picture is ever accepted.
      body: Buffer.concat([Buffer.from([0x00, 0x42]), rng.bytes(rng.between(0, 3000))]),
    }),
    'vertical-bad-upload': (rng) => ({
      family: 'vertical-bad-upload',
      method: 'POST',
      path: `/api/clips/vertical?${rng.pick(['', 'recordingId=x', `recordingId=${garbageId(rng)}&inMs=${garbageId(rng)}&outMs=1`, `recordingId=1&inMs=0&outMs=5000&title=${'t'.repeat(rng.between(101, 400))}`, 'recordingId=999999&inMs=0&outMs=5000'])}`,
      headers: { ...auth, 'Content-Type': rng.pick(['video/webm', 'video/mp4', '']) },
      body: rng.bytes(rng.between(0, 2000)),
    }),
    'garbage-ids': (rng) => {
      const [method, path] = rng.pick(ID_ROUTES);
      return { family: 'garbage-ids', method, path: path(garbageId(rng)), headers: auth };
    },
    'public-garbage-ids': (rng) => {
      const [method, path] = rng.pick(PUBLIC_ID_ROUTES);
      return { family: 'public-garbage-ids', method, path: path(garbageId(rng)), headers: rng.bool(0.3) ? { Range: rng.pick(['bytes=0-', 'bytes=-1', 'bytes=999999999-', 'bytes=x', 'bytes=0-1,2-3']) } : ({} as Record<string, string>) };
    },
    'wrong-method': (rng) => {
      const [method, path] = rng.pick(NOT_ROUTES);
      return { family: 'wrong-method', method, path, headers: rng.bool() ? auth : {} };
    },
    'unknown-paths': (rng) => ({
      family: 'unknown-paths',
      method: rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']),
      path: rng.pick([
        `/api/${encodeURIComponent(rng.text(rng.between(1, 30)))}`,
        `/api/status/${garbageId(rng)}`,
        `/whip/${garbageId(rng)}/${garbageId(rng)}`,
        `/api//status`,
        `/api/status%00`,
        `/API/STATUS`,
        `/api/${'x/'.repeat(rng.between(1, 200))}`,
        `/whep%2f${garbageId(rng)}`,
        // (a garbage id of "%2e%2e" right after /events/ would lead back to "/", the viewer page: prefixed)
        `/events/x${garbageId(rng)}`,
      ]),
      headers: rng.bool() ? auth : {},
    }),
    traversal: (rng) => ({ family: 'traversal', method: rng.pick(['GET', 'GET', 'GET', 'HEAD']), path: traversalPath(rng) }),
    'preflight-foreign': (rng) => {
      const [method, path] = rng.pick(ADMIN_ROUTES);
      return {
        family: 'preflight-foreign',
        method: 'OPTIONS',
        path,
        headers: { Origin: rng.pick(['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'file://']), 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'authorization, content-type' },
      };
    },
    'raw-http': (rng) => ({ family: 'raw-http', method: 'RAW', path: '', raw: rawGarbageRequest(rng, ctx.port, ctx.token) }),
  };
}

/** While a set is live: mutated werift offers to WHEP (some stay valid: 201, then DELETEd). */
export function whepMutatedCase(rng: Rng, ctx: GeneratorContext): HttpCase {
  return { family: 'whep-sdp-mutated', method: 'POST', path: '/whep', headers: { 'Content-Type': 'application/sdp' }, body: mutateSdp(rng, ctx.whepOffer), mayAccept: true };
}
