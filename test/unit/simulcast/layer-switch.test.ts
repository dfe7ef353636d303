/**
 * LayerSwitch: one continuous stream cut from simulcast layers. What a player needs: untouched
 * packets until the first switch; the switch made only at the new layer's keyframe (the old layer
 * flowing until then, a keyframe asked for); after it, one SSRC, sequence numbers, timestamps and
 * VP8 picture ids that run on from the last packet sent; nothing late from before the switch.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RtpHeader, RtpPacket, RTCRtpCodecParameters } from 'werift';
import { LayerSwitch, type SwitchableLayer } from '../../../server/sfu/layer-switch.js';
import { readVp8Descriptor } from '../../../server/sfu/video-frames.js';
import { vp8Payload } from './vp8-packets.js';

const VP8 = new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96 });

interface FakeLayer extends SwitchableLayer {
  keyframeRequests: number;
  send(seq: number, ts: number, options?: { keyframe?: boolean; pictureId?: number; tl0?: number }): RtpPacket;
  listeners: number;
}

function fakeLayer(id: string, ssrc: number): FakeLayer {
  const listeners = new Set<(packet: RtpPacket) => void>();
  const layer: FakeLayer = {
    id,
    keyframeRequests: 0,
    get listeners() {
      return listeners.size;
    },
    track: {
      kind: 'video',
      codec: VP8,
      onPacket(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      requestKeyframe() {
        layer.keyframeRequests++;
      },
    },
    send(sequenceNumber, timestamp, options = {}) {
      const packet = new RtpPacket(new RtpHeader({ sequenceNumber, timestamp, ssrc, payloadType: 96, marker: true }), vp8Payload(options));
      for (const listener of listeners) listener(packet);
      return packet;
    },
  };
  return layer;
}

function collect(source: LayerSwitch): RtpPacket[] {
  const seen: RtpPacket[] = [];
  source.onPacket((packet) => seen.push(packet));
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LayerSwitch', () => {
  it('passes the first layer through untouched (the same packet objects)', () => {
    const low = fakeLayer('q', 111);
    const out = new LayerSwitch(VP8, low);
    const seen = collect(out);
    const sent = [low.send(10, 1000), low.send(11, 4000)];
    expect(seen).toEqual(sent);
    expect(seen[0]).toBe(sent[0]);
    expect(out.layer).toBe('q');
  });

  it('keeps the old layer flowing until the new one’s keyframe, then continues its numbering', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const low = fakeLayer('q', 111);
    const high = fakeLayer('f', 222);
    const out = new LayerSwitch(VP8, low);
    const seen = collect(out);
    low.send(500, 9000, { pictureId: 40, tl0: 3 });

    out.switchTo(high);
    expect(out.pendingLayer).toBe('f');
    expect(high.keyframeRequests).toBe(1);
    high.send(7000, 123_456, { pictureId: 3000, tl0: 90 }); // not a keyframe: ignored
    low.send(501, 12_000, { pictureId: 41, tl0: 3 }); // the old layer still flows
    expect(seen.map((p) => p.header.sequenceNumber)).toEqual([500, 501]);

    vi.advanceTimersByTime(33);
    high.send(7001, 126_456, { keyframe: true, pictureId: 3001, tl0: 91 });
    low.send(502, 15_000, { pictureId: 42, tl0: 3 }); // the old layer is let go
    high.send(7002, 129_456, { pictureId: 3002, tl0: 91 });
    expect(out.layer).toBe('f');
    expect(out.pendingLayer).toBeUndefined();
    expect(low.listeners).toBe(0);

    const [, , key, next] = seen;
    expect(seen).toHaveLength(4);
    expect(key!.header).toMatchObject({ ssrc: 111, sequenceNumber: 502, timestamp: 12_000 + 33 * 90 });
    expect(next!.header).toMatchObject({ ssrc: 111, sequenceNumber: 503, timestamp: 12_000 + 33 * 90 + 3000 });
    expect(readVp8Descriptor(key!.payload)).toMatchObject({ keyframe: true, pictureId: 42, tl0PicIdx: 4 });
    expect(readVp8Descriptor(next!.payload)).toMatchObject({ pictureId: 43, tl0PicIdx: 4 });
  });

  it('wraps sequence numbers, timestamps and picture ids', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    const seen = collect(out);
    low.send(0xffff, 0xffff_fff0, { pictureId: 0x7fff, tl0: 255 });
    out.switchTo(high);
    high.send(10, 50, { keyframe: true, pictureId: 5, tl0: 9 });
    high.send(11, 3050, { pictureId: 6, tl0: 9 });
    expect(seen[1]!.header.sequenceNumber).toBe(0);
    expect(seen[1]!.header.timestamp).toBe((0xffff_fff0 + 1) >>> 0); // no time passed: one tick on
    expect(readVp8Descriptor(seen[1]!.payload)).toMatchObject({ pictureId: 0, tl0PicIdx: 0 });
    expect(seen[2]!.header.sequenceNumber).toBe(1);
    expect(readVp8Descriptor(seen[2]!.payload)).toMatchObject({ pictureId: 1 });
  });

  it('drops a late packet of the new layer from before its keyframe', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    const seen = collect(out);
    low.send(100, 1000);
    out.switchTo(high);
    high.send(50, 9000, { keyframe: true });
    high.send(49, 6000); // reordered on the way: older than the keyframe
    high.send(51, 9000);
    expect(seen.map((p) => p.header.sequenceNumber)).toEqual([100, 101, 102]);
  });

  it('keeps forwarding long after a switch (past half the 16-bit sequence space)', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    let count = 0;
    out.onPacket(() => count++);
    low.send(100, 1000);
    out.switchTo(high);
    high.send(50, 9000, { keyframe: true });
    for (let i = 1; i <= 70_000; i++) high.send((50 + i) & 0xffff, 9000 + i * 3000);
    expect(count).toBe(1 + 1 + 70_000);
  });

  it('does not change shared packets (other sinks hold them)', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    collect(out);
    low.send(100, 1000, { pictureId: 10 });
    out.switchTo(high);
    const key = high.send(7, 5000, { keyframe: true, pictureId: 900 });
    expect(key.header.sequenceNumber).toBe(7);
    expect(key.header.timestamp).toBe(5000);
    expect(key.header.ssrc).toBe(2);
    expect(readVp8Descriptor(key.payload)!.pictureId).toBe(900);
  });

  it('switching back before the keyframe cancels the pending switch', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    const seen = collect(out);
    low.send(1, 0);
    out.switchTo(high);
    out.switchTo(low);
    expect(out.pendingLayer).toBeUndefined();
    expect(high.listeners).toBe(0);
    high.send(9, 0, { keyframe: true });
    expect(seen).toHaveLength(1);
  });

  it('starts directly on a layer when nothing was sent yet, and asks again for a slow keyframe', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    out.switchTo(high);
    expect(out.layer).toBe('f');
    expect(out.pendingLayer).toBeUndefined();
    high.send(1, 0);
    out.switchTo(low);
    expect(low.keyframeRequests).toBe(1);
    out.nudge(Date.now() + 300);
    expect(low.keyframeRequests).toBe(1);
    out.nudge(Date.now() + 500);
    expect(low.keyframeRequests).toBe(2);
  });

  it('forwards a viewer’s keyframe request to the layer it is waiting for, and lets go of everything on close', () => {
    const low = fakeLayer('q', 1);
    const high = fakeLayer('f', 2);
    const out = new LayerSwitch(VP8, low);
    collect(out);
    low.send(1, 0);
    out.requestKeyframe();
    expect(low.keyframeRequests).toBe(1);
    out.switchTo(high);
    out.requestKeyframe();
    expect(high.keyframeRequests).toBe(2);
    out.close();
    expect(low.listeners + high.listeners).toBe(0);
  });
});
