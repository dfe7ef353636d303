import { describe, expect, it } from 'vitest';
import { MediaStreamTrack, RtpHeader, RtpPacket, useVP8, type RTCRtpTransceiver } from 'werift';
import { PublisherTrack } from '../../server/sfu/publisher.js';

function packet(seq: number, payloadBytes: number, extensions = true): RtpPacket {
  return new RtpPacket(
    new RtpHeader({
      sequenceNumber: seq,
      timestamp: seq * 3000,
      payloadType: 96,
      extension: extensions,
      extensions: extensions ? [{ id: 3, payload: Buffer.from([1, 2, 3]) }] : [],
    }),
    Buffer.alloc(payloadBytes, 7),
  );
}

describe('PublisherTrack (what every sink receives)', () => {
  const track = new MediaStreamTrack({ kind: 'video', remote: true });
  const source = new PublisherTrack(track, {} as RTCRtpTransceiver, useVP8(), () => undefined);
  const seen: RtpPacket[] = [];
  source.onPacket((p) => seen.push(p));

  it('drops padding-only probes and renumbers so no hole looks like loss, across the 16-bit wrap', () => {
    const input = [
      packet(65533, 900),
      packet(65534, 0), // padding probe
      packet(65535, 900),
      packet(0, 0), // padding probe
      packet(1, 0), // padding probe
      packet(2, 900),
      packet(3, 900),
    ];
    for (const p of input) track.onReceiveRtp.execute(p);
    expect(seen.map((p) => p.header.sequenceNumber)).toEqual([65533, 65534, 65535, 0]);
    expect(seen.every((p) => p.payload.length === 900)).toBe(true);
  });

  it("strips the publisher's header extensions and keeps timestamps", () => {
    expect(seen.every((p) => p.header.extensions.length === 0 && !p.header.extension)).toBe(true);
    expect(seen[0]!.header.timestamp).toBe(65533 * 3000);
  });

  it('stops delivering once closed', () => {
    source.close();
    track.onReceiveRtp.execute(packet(4, 900));
    expect(seen).toHaveLength(4);
  });
});
