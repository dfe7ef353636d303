import { expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift';
import { clonePacket, RTP_HEADER_FIELDS } from '../../../server/sfu/werift-fast-path/packet-copy.js';

it("lists werift's RtpHeader fields in its constructor's order", () => {
  expect(Object.keys(new RtpHeader())).toEqual([...RTP_HEADER_FIELDS]);
});

it("copies a packet as werift's clone() does: same class, same fields in the same order, shared payload", () => {
  const built = new RtpPacket(
    new RtpHeader({ payloadType: 100, sequenceNumber: 65535, timestamp: 0xffff_fff0, ssrc: 7, marker: true, csrc: [1, 2], extensions: [{ id: 3, payload: Buffer.from([1, 2, 3]) }] }),
    Buffer.alloc(50, 9),
  );
  const received = RtpPacket.deSerialize(built.serialize());
  for (const packet of [built, received]) {
    const theirs = packet.clone();
    const ours = clonePacket(packet);
    expect(Object.getPrototypeOf(ours.header)).toBe(RtpHeader.prototype);
    expect(Object.entries(ours.header)).toEqual(Object.entries(theirs.header));
    expect(ours.header).not.toBe(packet.header);
    expect(ours.payload).toBe(packet.payload);
    expect(ours.header.csrc).toBe(theirs.header.csrc);
    expect(ours.header.extensions).toBe(theirs.header.extensions);
    expect(ours.serialize().equals(theirs.serialize())).toBe(true);
  }
});
