import { describe, expect, it } from 'vitest';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { protectorFor, type SrtpContextKeys } from '../../../server/sfu/werift-fast-path/srtp-protect.js';
import { MASTER_KEY, MASTER_SALT, receiverSession } from './werift-twins.js';

const PROFILES = [
  ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm],
  ['AES128_CM_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80],
] as const;

/** Headers of every shape the writer handles: none, one-byte and two-byte extensions, CSRCs, odd sizes. */
function headers(sequenceNumber: number): Array<() => RtpHeader> {
  const base = { payloadType: 96, sequenceNumber, timestamp: 0xffff0000 + sequenceNumber, ssrc: 0xdeadbeef };
  return [
    () => new RtpHeader(base),
    () => new RtpHeader({ ...base, marker: true, extensions: [{ id: 1, payload: Buffer.from('0') }] }),
    () => new RtpHeader({ ...base, extensions: [{ id: 1, payload: Buffer.from('12') }, { id: 3, payload: Buffer.from([1, 2, 3]) }, { id: 14, payload: Buffer.alloc(16, 7) }] }),
    () => new RtpHeader({ ...base, extensionProfile: 0x1000, extensions: [{ id: 20, payload: Buffer.alloc(0) }, { id: 200, payload: Buffer.alloc(17, 9) }] }),
    () => new RtpHeader({ ...base, csrc: [1, 0xffffffff], extension: true, extensions: [] }),
    () => new RtpHeader({ ...base, version: 2, payloadType: 127, marker: true, csrc: [42] }),
  ];
}

describe.each(PROFILES)('SRTP protection, %s', (_name, profile) => {
  it("writes werift's bytes for the same keys, headers, payloads and rollover counters", () => {
    const keys = { localMasterKey: MASTER_KEY, localMasterSalt: MASTER_SALT, remoteMasterKey: MASTER_KEY, remoteMasterSalt: MASTER_SALT };
    const werift = new SrtpSession({ keys, profile });
    const context = werift.localContext;
    const ours = protectorFor(context as unknown as SrtpContextKeys)!;
    expect(ours).toBeDefined();
    let checked = 0;
    // Across the 16-bit wrap, so that werift's rollover counter goes 0 → 1.
    for (const sequenceNumber of [65533, 65534, 65535, 0, 1, 2]) {
      for (const payload of [Buffer.alloc(0), Buffer.from([0xab]), Buffer.alloc(1100, sequenceNumber & 0xff), Buffer.alloc(17, 3)]) {
        for (const header of headers(sequenceNumber)) {
          // werift advances its own rollover state inside encrypt: read the counter it used.
          const expected = werift.encrypt(payload, header());
          const roc = context.srtpSSRCStates[0xdeadbeef]!.rolloverCounter;
          expect(Buffer.concat(ours.protect(header(), payload, roc)).toString('hex')).toBe(expected.toString('hex'));
          checked++;
        }
      }
    }
    expect(context.srtpSSRCStates[0xdeadbeef]!.rolloverCounter).toBe(1);
    expect(checked).toBe(6 * 4 * 6);
  });

  it("decrypts with werift's SRTP session back to the packet", () => {
    const ours = protectorFor(receiverSession(profile).localContext as unknown as SrtpContextKeys)!;
    const receiver = receiverSession(profile);
    for (const sequenceNumber of [65534, 65535, 0, 1]) {
      const roc = sequenceNumber < 100 ? 1 : 0;
      const payload = Buffer.alloc(300, sequenceNumber & 0x7f);
      const header = new RtpHeader({ payloadType: 96, sequenceNumber, timestamp: 1234, ssrc: 0xdeadbeef, marker: true, extensions: [{ id: 2, payload: Buffer.from('xyz') }] });
      const decrypted = RtpPacket.deSerialize(receiver.decrypt(Buffer.concat(ours.protect(header, payload, roc))));
      expect(decrypted.payload.equals(payload)).toBe(true);
      expect(decrypted.header).toMatchObject({ sequenceNumber, timestamp: 1234, ssrc: 0xdeadbeef, marker: true, payloadType: 96 });
      expect(decrypted.header.extensions).toEqual([{ id: 2, payload: Buffer.from('xyz') }]);
    }
  });

  it('keeps one protector per SRTP context', () => {
    const context = receiverSession(profile).localContext as unknown as SrtpContextKeys;
    expect(protectorFor(context)).toBe(protectorFor(context));
  });
});

it('has no protector for a profile werift 0.25.2 does not offer', () => {
  const context = { ...(receiverSession(ProtectionProfileAeadAes128Gcm).localContext as unknown as SrtpContextKeys), profile: 0x0008 };
  expect(protectorFor(context)).toBeUndefined();
});
