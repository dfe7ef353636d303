/**
 * StageTrack: the set's track that outlives a publisher's session. What players need across a
 * reconnection: one SSRC, sequence numbers that follow on (also across the 16-bit wrap), a clock
 * advanced by the time away, a keyframe asked of the new session, and nothing from a detached one.
 */
import { describe, expect, it, vi } from 'vitest';
import { RtpHeader, RtpPacket, RTCRtpCodecParameters } from 'werift';
import { StageTrack } from '../../server/sfu/stage-track.js';
import type { TrackSource } from '../../server/sfu/track.js';

const VP8 = new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96 });

/** A publisher's track the test drives by hand. */
function fakeSource(codec = VP8): TrackSource & { send(seq: number, ts: number, ssrc: number): void; keyframeRequests: number } {
  const listeners = new Set<(packet: RtpPacket) => void>();
  const source = {
    kind: 'video' as const,
    codec,
    keyframeRequests: 0,
    onPacket(listener: (packet: RtpPacket) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    requestKeyframe() {
      source.keyframeRequests++;
    },
    send(sequenceNumber: number, timestamp: number, ssrc: number) {
      const packet = new RtpPacket(new RtpHeader({ sequenceNumber, timestamp, ssrc, payloadType: 96 }), Buffer.alloc(10));
      for (const listener of listeners) listener(packet);
    },
  };
  return source;
}

describe('StageTrack', () => {
  it('passes the first session through untouched and asks it for a keyframe', () => {
    const track = new StageTrack('video', VP8);
    const seen: RtpHeader[] = [];
    track.onPacket((packet) => seen.push(packet.header));
    const first = fakeSource();
    track.attach(first);
    expect(first.keyframeRequests).toBe(1);
    first.send(100, 5000, 1111);
    first.send(101, 8000, 1111);
    expect(seen.map((h) => [h.sequenceNumber, h.timestamp, h.ssrc])).toEqual([
      [100, 5000, 1111],
      [101, 8000, 1111],
    ]);
  });

  it('continues a new session on the same stream: SSRC kept, next sequence number, clock moved on by the time away', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const track = new StageTrack('video', VP8);
      const seen: RtpHeader[] = [];
      track.onPacket((packet) => seen.push(packet.header));
      const first = fakeSource();
      track.attach(first);
      first.send(65_535, 4_294_960_000, 1111);
      track.detach();
      first.send(1, 1, 1111);
      expect(seen).toHaveLength(1);

      vi.advanceTimersByTime(5000);
      const second = fakeSource();
      track.attach(second);
      expect(second.keyframeRequests).toBe(1);
      second.send(20_000, 77, 2222);
      second.send(20_001, 3077, 2222);
      const [, a, b] = seen;
      expect(a).toMatchObject({ ssrc: 1111, sequenceNumber: 0 });
      expect(b).toMatchObject({ ssrc: 1111, sequenceNumber: 1 });
      // 5 s at 90 kHz after the last timestamp, across the 32-bit wrap.
      expect(a!.timestamp).toBe((4_294_960_000 + 5 * 90_000) >>> 0);
      expect(b!.timestamp - a!.timestamp).toBe(3000);
      // Keyframe requests from viewers reach the session now attached.
      track.requestKeyframe();
      expect(second.keyframeRequests).toBe(2);
      expect(first.keyframeRequests).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('accepts a new session only with the same codec, and close() lets everything go', () => {
    const track = new StageTrack('video', VP8);
    expect(track.accepts(fakeSource(new RTCRtpCodecParameters({ mimeType: 'video/vp8', clockRate: 90_000, payloadType: 120 })))).toBe(true);
    expect(track.accepts(fakeSource(new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90_000, payloadType: 102 })))).toBe(false);
    const source = fakeSource();
    let count = 0;
    track.onPacket(() => count++);
    track.attach(source);
    track.close();
    source.send(1, 1, 1);
    expect(count).toBe(0);
    expect(track.attached).toBe(false);
  });
});
