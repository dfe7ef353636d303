import { describe, expect, it } from 'vitest';
import { RelaySettingsInputSchema, RelayStateSchema, relayTarget } from '../../../common/relay.js';
import { relayStateText } from '../../../renderer/studio/relay-format.js';
import { excerpt, refusalError, unreachableError } from '../../../server/relay/relay-error.js';

const messageOf = (input: unknown): string | undefined => {
  const parsed = RelaySettingsInputSchema.safeParse(input);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
};

describe('relay settings: what the studio may send', () => {
  it('takes an http(s) WHIP address, an optional token, and trims both', () => {
    expect(RelaySettingsInputSchema.parse({ enabled: true, url: ' https://live.example.org/w/abc/whip ', token: ' key-123 ' })).toEqual({
      enabled: true,
      url: 'https://live.example.org/w/abc/whip',
      token: 'key-123',
    });
    expect(RelaySettingsInputSchema.parse({ enabled: true, url: 'http://192.168.1.20:8889/mystream/whip' })).toEqual({
      enabled: true,
      url: 'http://192.168.1.20:8889/mystream/whip',
    });
    // Off with no address is fine (nothing set up yet); "" clears a token.
    expect(RelaySettingsInputSchema.parse({ enabled: false, url: '', token: '' })).toEqual({ enabled: false, url: '', token: '' });
  });

  it.each([
    ['ftp://example.org/whip', /must start with http:\/\/ or https:\/\/, not ftp:/],
    ['rtmp://example.org/live', /not rtmp:/],
    ['javascript:alert(1)', /not javascript:/],
    ['file:///etc/passwd', /not file:/],
    ['example.org/whip', /not a web address/],
    ['https://', /not a web address/],
    ['https://user:secret@example.org/whip', /bearer token field/],
    [`https://example.org/${'a'.repeat(2000)}`, /longer than 2000 characters/],
  ])('refuses the address %s', (url, message) => {
    expect(messageOf({ enabled: true, url })).toMatch(message);
  });

  it('refuses enabling without an address, a token with spaces or controls, a too long token, and unknown fields', () => {
    expect(messageOf({ enabled: true, url: '' })).toMatch(/enter the WHIP address/);
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', token: 'two words' })).toMatch(/printable ASCII/);
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', token: 'a\u0000b' })).toMatch(/printable ASCII/);
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', token: 'ключ' })).toMatch(/printable ASCII/);
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', token: 'x'.repeat(4097) })).toMatch(/longer than 4096/);
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', token: 'x'.repeat(4096) })).toBeUndefined();
    expect(messageOf({ enabled: true, url: 'https://a.example/whip', hasToken: true })).toBeDefined();
    expect(messageOf({ enabled: 'yes', url: 'https://a.example/whip' })).toBeDefined();
    expect(messageOf({ url: 'https://a.example/whip' })).toBeDefined();
  });

  it('names the target by host only: never the path or query, where some engines keep the key', () => {
    expect(relayTarget('https://customer-x.cloudflarestream.com/SECRETKEY/webRTC/publish')).toBe('customer-x.cloudflarestream.com');
    expect(relayTarget('http://127.0.0.1:8788/whip?key=SECRET')).toBe('127.0.0.1:8788');
    expect(relayTarget('not a url')).toBe('');
  });

  it('the state schema accepts each kind and nothing else', () => {
    for (const state of [
      { kind: 'off' },
      { kind: 'waiting' },
      { kind: 'connecting', target: 'h' },
      { kind: 'live', target: 'h', since: 1 },
      { kind: 'retrying', target: 'h', reason: 'r', retryAt: 2 },
      { kind: 'failed', target: 'h', reason: 'r' },
    ]) {
      expect(RelayStateSchema.parse(state)).toEqual(state);
    }
    expect(RelayStateSchema.safeParse({ kind: 'retrying', target: 'h' }).success).toBe(false);
    expect(RelayStateSchema.safeParse({ kind: 'exploded' }).success).toBe(false);
  });
});

describe('relay errors: a reason a busker can act on', () => {
  it('401/403/404 are final; other statuses are retried (with the target’s Retry-After)', () => {
    const unauthorized = refusalError('h:1', 401, 'Unauthorized', '{"error":"unauthorized","message":"The publish token is wrong."}', [], null);
    expect(unauthorized).toMatchObject({ retryable: false, message: 'h:1 refused the token (401 Unauthorized: The publish token is wrong.) — check the bearer token.' });
    expect(refusalError('h', 403, 'Forbidden', '', [], null).retryable).toBe(false);
    expect(refusalError('h', 404, 'Not Found', '', [], null)).toMatchObject({ retryable: false, message: expect.stringContaining('check the URL') });
    const busy = refusalError('h', 409, 'Conflict', '{"message":"Someone is already live"}', [], null);
    expect(busy).toMatchObject({ retryable: true, message: 'h answered 409 Conflict: Someone is already live.' });
    expect(refusalError('h', 429, 'Too Many Requests', '', [], '7').retryAfterMs).toBe(7000);
    expect(refusalError('h', 503, '', '', [], 'soon').retryAfterMs).toBeUndefined();
  });

  it('quotes a short single line of the body, never a secret it echoed', () => {
    const long = `<html>\n<body>${'x'.repeat(500)}</body></html>`;
    const quoted = excerpt(long, []);
    expect(quoted.length).toBeLessThanOrEqual(160);
    expect(quoted).not.toMatch(/\n/);
    expect(quoted.endsWith('…')).toBe(true);
    expect(excerpt('bad token: sk_live_123', ['sk_live_123'])).toBe('bad token: …');
  });

  it('says why a target could not be reached', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(unreachableError('h:9', refused, 10_000).message).toBe('Could not reach h:9: connection refused (is it running?).');
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(unreachableError('h', timeout, 10_000).message).toBe('h did not answer within 10 s.');
    const dns = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    expect(unreachableError('h', dns, 10_000)).toMatchObject({ retryable: true, message: expect.stringContaining('no such host') });
  });
});

describe('the studio’s state line', () => {
  it('words each state, counting a retry down in whole seconds', () => {
    const now = 1_000_000;
    expect(relayStateText({ kind: 'off' }, now)).toBe('Off');
    expect(relayStateText({ kind: 'waiting' }, now)).toBe('Waiting for you to go live');
    expect(relayStateText({ kind: 'connecting', target: 'live.example.org' }, now)).toBe('Connecting to live.example.org…');
    expect(relayStateText({ kind: 'live', target: 'live.example.org', since: now }, now)).toBe('Live on live.example.org');
    const retrying = { kind: 'retrying', target: 'h', reason: 'Could not reach h: connection refused.', retryAt: now + 4200 } as const;
    expect(relayStateText(retrying, now)).toBe('Retrying in 5 s — Could not reach h: connection refused.');
    expect(relayStateText(retrying, now + 3300)).toBe('Retrying in 1 s — Could not reach h: connection refused.');
    expect(relayStateText(retrying, now + 5000)).toBe('Retrying now — Could not reach h: connection refused.');
    expect(relayStateText({ kind: 'failed', target: 'h', reason: 'h refused the token (401).' }, now)).toBe('Failed — h refused the token (401).');
  });
});
