/**
 * The fast path against werift's own sendRtp, on twin senders (werift-twins.ts): the same packets
 * in must give the same datagrams out, the same sender and transport state, and packets werift's
 * SRTP session decrypts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  GenericNack,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RTP_EXTENSION_URI,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { forwardRtp, installFastPath, uninstallFastPath } from '../../../server/sfu/werift-fast-path.js';
import { sendRtpNow } from '../../../server/sfu/werift-fast-path/send-rtp-now.js';
import { makeTwin, receiverSession, SENDER_SSRC, senderState, type Twin, type TwinOptions } from './werift-twins.js';

const VIEWER_VIDEO = [
  { id: 1, uri: RTP_EXTENSION_URI.sdesMid },
  { id: 3, uri: RTP_EXTENSION_URI.absSendTime },
];
const EVERYTHING = [
  { id: 9, uri: RTP_EXTENSION_URI.absSendTime },
  { id: 1, uri: RTP_EXTENSION_URI.sdesMid },
  { id: 5, uri: RTP_EXTENSION_URI.transportWideCC },
  { id: 2, uri: RTP_EXTENSION_URI.sdesRTPStreamID },
  { id: 4, uri: RTP_EXTENSION_URI.repairedRtpStreamId },
];
/** Not what a browser negotiates, but werift numbers each in negotiated order, not by id. */
const TRANSPORT_CC_TWICE = [
  { id: 7, uri: RTP_EXTENSION_URI.transportWideCC },
  { id: 1, uri: RTP_EXTENSION_URI.sdesMid },
  { id: 5, uri: RTP_EXTENSION_URI.transportWideCC },
];

const twins: Twin[] = [];
function twinPair(options: TwinOptions): [werift: Twin, fast: Twin] {
  const pair: [Twin, Twin] = [makeTwin(options), makeTwin(options)];
  twins.push(...pair);
  return pair;
}

beforeEach(() => {
  // One clock for both paths: abs-send-time and the sender-report time must match too.
  vi.spyOn(performance, 'now').mockReturnValue(4_321_987.654_321);
  vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_000);
  installFastPath();
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const twin of twins.splice(0)) twin.close();
});

/** What the SFU forwards: packets from PublisherTrack or LayerSwitch, shared and never changed. */
function sourcePacket(sequenceNumber: number, options: { size?: number; extensions?: RtpHeader['extensions']; marker?: boolean; csrc?: number[] } = {}): RtpPacket {
  const header = new RtpHeader({
    payloadType: 100,
    sequenceNumber,
    timestamp: (sequenceNumber * 3000) >>> 0,
    ssrc: 0x0badcafe,
    marker: options.marker ?? sequenceNumber % 4 === 0,
    csrc: options.csrc ?? [],
    extensions: options.extensions ?? [],
  });
  const payload = Buffer.alloc(options.size ?? 1100);
  for (let i = 0; i < payload.length; i++) payload[i] = (sequenceNumber + i) & 0xff;
  return new RtpPacket(header, payload);
}

/** Sends each packet through werift on one twin and through the fast path on the other. */
async function sendBoth(werift: Twin, fast: Twin, packets: RtpPacket[]): Promise<void> {
  for (const packet of packets) {
    await werift.sender.sendRtp(packet);
    expect(sendRtpNow(fast.sender, packet)).toBe(true);
  }
  // werift updates the pair's counters after an await; let it finish.
  await new Promise((resolve) => setImmediate(resolve));
}

function expectSameOutput(werift: Twin, fast: Twin, count: number): void {
  expect(werift.wire).toHaveLength(count);
  expect(fast.wire.map((b) => b.toString('hex'))).toEqual(werift.wire.map((b) => b.toString('hex')));
  expect(senderState(fast)).toEqual(senderState(werift));
}

describe.each([
  ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm],
  ['AES128_CM_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80],
] as const)('fast path vs werift, %s', (_name, profile) => {
  it("sends werift's bytes for a viewer's video (mid, abs-send-time) across the sequence wrap", async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    const packets = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3].map((seq) => sourcePacket(seq, { size: seq % 3 ? 1100 : 37 }));
    await sendBoth(werift, fast, packets);
    expectSameOutput(werift, fast, packets.length);
    // The rollover counter went to 1 at the wrap, the same on both.
    expect(fast.dtls.srtp.localContext.srtpSSRCStates[SENDER_SSRC]!.rolloverCounter).toBe(1);

    // And a werift receiver decrypts each one back to the packet, renumbered by the sender.
    const receiver = receiverSession(profile);
    const decrypted = fast.wire.map((datagram) => RtpPacket.deSerialize(receiver.decrypt(datagram)));
    decrypted.forEach((packet, i) => {
      expect(packet.payload.equals(packets[i]!.payload)).toBe(true);
      expect(packet.header.ssrc).toBe(SENDER_SSRC);
      expect(packet.header.payloadType).toBe(96);
      expect(packet.header.marker).toBe(packets[i]!.header.marker);
      expect(packet.header.extensions.map((e) => e.id)).toEqual([1, 3]);
      expect(packet.header.extensions[0]!.payload.toString()).toBe('1');
    });
    expect(decrypted.map((p) => p.header.sequenceNumber)).toEqual(packets.map((p) => p.header.sequenceNumber));
  });

  it('sends the same with no negotiated extensions, and with every extension werift writes', async () => {
    for (const extensions of [[], EVERYTHING, TRANSPORT_CC_TWICE]) {
      const [werift, fast] = twinPair({ profile, extensions, rtpStreamId: 'h' });
      const packets = [7, 8, 9, 10].map((seq) => sourcePacket(seq));
      await sendBoth(werift, fast, packets);
      expectSameOutput(werift, fast, packets.length);
    }
  });

  it("merges a packet's own header extensions as werift does (same id replaced, others added, sorted)", async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    const own = () => [
      { id: 3, payload: Buffer.from([9, 9, 9]) },
      { id: 2, payload: Buffer.from('x') },
      { id: 14, payload: Buffer.alloc(16, 1) },
    ];
    const packets = [100, 101].map((seq) => sourcePacket(seq, { extensions: own(), csrc: [77] }));
    await sendBoth(werift, fast, packets);
    expectSameOutput(werift, fast, packets.length);
  });

  it('sends the same when packets with and without their own extensions alternate, retransmissions too', async () => {
    const [werift, fast] = twinPair({ profile, extensions: EVERYTHING, rtpStreamId: 'h' });
    // Own payloads for the mid (id 1) and abs-send-time (id 9): they must not leak into the other packets.
    const own = () => [
      { id: 1, payload: Buffer.from('z') },
      { id: 9, payload: Buffer.from([7, 7, 7]) },
    ];
    const packets = [20, 21, 22, 23, 24].map((seq) => sourcePacket(seq, seq % 2 ? { extensions: own() } : {}));
    await sendBoth(werift, fast, packets);
    for (const twin of [werift, fast]) {
      const nack = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: SENDER_SSRC, lost: [20, 21, 22, 23, 24] });
      twin.sender.handleRtcpPacket(new RtcpTransportLayerFeedback({ feedback: nack }));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expectSameOutput(werift, fast, 10);
  });

  it('keeps RTP continuity after replaceRTP as werift does', async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    await sendBoth(werift, fast, [500, 501, 502].map((seq) => sourcePacket(seq)));
    // A source switch: sequence numbers and timestamps jump; the sender keeps its own running on.
    werift.sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, false, 3000);
    fast.sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, false, 3000);
    await sendBoth(werift, fast, [40_000, 40_001].map((seq) => sourcePacket(seq)));
    expectSameOutput(werift, fast, 5);
  });

  it('follows the clock from reading to reading, and the NACK history keeps each packet as sent', async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    const clock = vi.mocked(performance.now);
    // Two packets on each reading, readings far enough apart for abs-send-time to change.
    for (const [i, seq] of [30, 31, 32, 33, 34, 35].entries()) {
      clock.mockReturnValue(4_321_987.654_321 + Math.floor(i / 2) * 250);
      await sendBoth(werift, fast, [sourcePacket(seq)]);
    }
    // abs-send-time is in the clear: 12 header bytes, the extension header, the mid (2 bytes), its own byte.
    const absSendTimes = fast.wire.map((datagram) => datagram.subarray(19, 22).toString('hex'));
    expect(new Set(absSendTimes).size).toBe(3);
    for (const twin of [werift, fast]) {
      const nack = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: SENDER_SSRC, lost: [30, 31, 32, 33, 34, 35] });
      twin.sender.handleRtcpPacket(new RtcpTransportLayerFeedback({ feedback: nack }));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expectSameOutput(werift, fast, 12);
  });

  it('answers NACKs from the history the fast path filled, with the same retransmissions', async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    await sendBoth(werift, fast, [10, 11, 12, 13].map((seq) => sourcePacket(seq)));
    for (const twin of [werift, fast]) {
      const nack = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: SENDER_SSRC, lost: [11, 13] });
      twin.sender.handleRtcpPacket(new RtcpTransportLayerFeedback({ feedback: nack }));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expectSameOutput(werift, fast, 6);
  });

  it('does nothing while DTLS is not connected, and nothing after stop(), as werift', async () => {
    const [werift, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    for (const twin of [werift, fast]) Object.assign(twin.dtls, { state: 'connecting' });
    await sendBoth(werift, fast, [sourcePacket(1)]);
    for (const twin of [werift, fast]) {
      Object.assign(twin.dtls, { state: 'connected' });
      twin.sender.stop();
    }
    await sendBoth(werift, fast, [sourcePacket(2)]);
    expectSameOutput(werift, fast, 0);
  });

  it('starts the sender reports as werift does', () => {
    const [, fast] = twinPair({ profile, extensions: VIEWER_VIDEO });
    fast.sender.rtcpRunning = false;
    sendRtpNow(fast.sender, sourcePacket(1));
    expect(fast.sender.rtcpRunning).toBe(true);
  });
});

describe('what the fast path leaves to werift', () => {
  it('refuses, before changing anything, padding, an unknown extension profile, a fractional timestamp, RED and raw buffers', () => {
    const [, fast] = twinPair({ profile: ProtectionProfileAeadAes128Gcm, extensions: VIEWER_VIDEO });
    const before = senderState(fast);
    const padded = sourcePacket(1);
    padded.header.padding = true;
    const otherProfile = sourcePacket(2);
    (otherProfile.header as { extensionProfile: number }).extensionProfile = 0x0100;
    const fractional = sourcePacket(3);
    fractional.header.timestamp = 1.5;
    for (const packet of [padded, otherProfile, fractional]) expect(sendRtpNow(fast.sender, packet)).toBe(false);
    expect(sendRtpNow(fast.sender, sourcePacket(4).serialize() as unknown as RtpPacket)).toBe(false);
    fast.sender.redRedundantPayloadType = 111;
    expect(sendRtpNow(fast.sender, sourcePacket(5))).toBe(false);
    expect(senderState(fast)).toEqual(before);
    expect(fast.wire).toHaveLength(0);
  });

  it("forwardRtp hands refused packets to werift's sendRtp, and every packet once uninstalled", () => {
    const [, fast] = twinPair({ profile: ProtectionProfileAeadAes128Gcm, extensions: VIEWER_VIDEO });
    const sendRtp = vi.spyOn(fast.sender, 'sendRtp');
    forwardRtp(fast.sender, sourcePacket(1));
    expect(sendRtp).not.toHaveBeenCalled();
    const padded = sourcePacket(2);
    padded.header.padding = true;
    forwardRtp(fast.sender, padded);
    expect(sendRtp).toHaveBeenCalledTimes(1);
    uninstallFastPath();
    forwardRtp(fast.sender, sourcePacket(3));
    expect(sendRtp).toHaveBeenCalledTimes(2);
    expect(fast.wire).toHaveLength(3);
  });

  it('drops a packet werift cannot serialise exactly as werift does (counted, not sent)', async () => {
    const [werift, fast] = twinPair({ profile: ProtectionProfileAeadAes128Gcm, extensions: VIEWER_VIDEO });
    // A one-byte extension longer than 16 bytes: werift's header writer throws, its transport drops the packet.
    const broken = sourcePacket(1, { extensions: [{ id: 15, payload: Buffer.alloc(300) }] });
    await sendBoth(werift, fast, [broken, sourcePacket(2)]);
    expectSameOutput(werift, fast, 1);
  });
});
