import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../server/errors.js';
import { rewriteAnswer, validateOffer } from '../../server/sfu/sdp.js';

const answer = [
  'v=0',
  'o=- 1 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 transport-cc',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=mid:0',
  'a=ice-lite',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=candidate:1 1 udp 2116026367 127.0.0.1 5000 typ host',
  'a=candidate:2 1 udp 2116026367 192.0.2.7 5001 typ host',
  'a=sendonly',
  '',
].join('\r\n');

describe('rewriteAnswer', () => {
  it('drops transport-cc feedback and its header extension, keeps the rest', () => {
    const out = rewriteAnswer(answer, {});
    expect(out).not.toContain('transport-cc');
    expect(out).not.toContain('transport-wide-cc');
    expect(out).toContain('a=rtcp-fb:96 nack');
    expect(out).toContain('sdes:mid');
  });

  it('moves ice-lite to the session level (RFC 8839)', () => {
    const out = rewriteAnswer(answer, {});
    const [session, media] = out.split('m=video');
    expect(session).toContain('a=ice-lite');
    expect(media).not.toContain('a=ice-lite');
  });

  it('keeps only candidates on allowed addresses when asked', () => {
    const only = rewriteAnswer(answer, { candidateAddresses: ['127.0.0.1'] });
    expect(only).toContain(' 127.0.0.1 5000 ');
    expect(only).not.toContain('192.0.2.7');
    expect(rewriteAnswer(answer, {})).toContain('192.0.2.7');
  });
});

describe('validateOffer', () => {
  const offer = answer.replace('a=ice-lite\r\n', '').replace('a=sendonly', 'a=sendonly') + '';
  const withFingerprint = offer.replace('a=mid:0', 'a=mid:0\r\na=fingerprint:sha-256 AA:BB');

  it('accepts a well-formed publish offer and says why it refuses others', () => {
    expect(validateOffer(withFingerprint, 'publish').media).toHaveLength(1);
    expect(() => validateOffer(withFingerprint, 'play')).toThrow(/must receive media/);
    expect(() => validateOffer(offer, 'publish')).toThrow(/fingerprint/);
    expect(() => validateOffer('', 'publish')).toThrow(BadRequestError);
    expect(() => validateOffer('v=0\r\n' + 'a=x\r\n'.repeat(20000), 'publish')).toThrow(/too large/);
  });

  it('a publish offer must carry video', () => {
    const audioOnly = withFingerprint.replace('m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=audio 9 UDP/TLS/RTP/SAVPF 96');
    expect(() => validateOffer(audioOnly, 'publish')).toThrow(/video/);
  });
});
