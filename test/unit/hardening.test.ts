import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ChatNameSchema, ChatTextSchema } from '../../common/chat.js';
import { cleanText, hasVisibleText } from '../../common/text.js';
import { BadRequestError } from '../../server/errors.js';
import { pathOf } from '../../server/http/http-server.js';
import { validateOffer } from '../../server/sfu/sdp.js';

/** Bugs the fuzz test (test/integration/fuzz.test.ts) found, pinned down one by one. */
describe('found by fuzzing', () => {
  it('pathOf: "//x" is a path, not a host; "*" and other non-URLs match nothing; absolute-form gives its path', () => {
    const at = (url: string) => pathOf({ url } as IncomingMessage);
    expect(at('//')).toBe('//');
    expect(at('//api/library')).toBe('//api/library');
    expect(at('//etc/passwd')).toBe('//etc/passwd');
    expect(at('/events?x=1')).toBe('/events');
    expect(at('/%2e%2e/secret')).toBe('/secret');
    expect(at('*')).toBe('/*');
    expect(at('http://127.0.0.1:8788/api/status?x')).toBe('/api/status');
    expect(at('http://[::1')).toBe('/http://[::1');
  });

  it('validateOffer: a malformed m= line is a 400, not a TypeError (sdp-transform reads its protocol as a number)', () => {
    const offer = [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'm=video  9  UDP/TLS/RTP/SAVPF 96',
      'a=ice-ufrag:abcd',
      'a=ice-pwd:abcdefghijklmnopqrstuvwx',
      'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
      'a=recvonly',
      'a=rtpmap:96 VP8/90000',
      '',
    ].join('\r\n');
    expect(() => validateOffer(offer, 'play')).toThrow(BadRequestError);
    expect(() => validateOffer(offer, 'play')).toThrow(/SAVPF/);
  });

  it('chat: a message of invisible characters only is empty; bidi marks are cleaned; names likewise', () => {
    for (const invisible of ['\u200b', '\u200b\u200d\ufeff', '\u200e\u200f\u061c', '\u2060\u2060', '\u0301\u0301', '\ud800', '\u3000\u00a0']) {
      expect(hasVisibleText(cleanText(invisible)), JSON.stringify(invisible)).toBe(false);
      expect(ChatTextSchema.safeParse(invisible).success, JSON.stringify(invisible)).toBe(false);
      expect(ChatNameSchema.parse(invisible), JSON.stringify(invisible)).toBe('');
    }
    expect(cleanText('a\u200eb\u200fc\u061cd')).toBe('a b c d');
    // What people write still goes through: emoji with joiners, accents, other scripts.
    for (const text of ['👨‍👩‍👧‍👦', 'café', 'é', 'שלום', 'こんにちは', 'ok\u200bok']) {
      expect(ChatTextSchema.parse(text)).toBe(text.normalize('NFC'));
    }
    expect(ChatNameSchema.parse(' Ana ')).toBe('Ana');
  });
});
