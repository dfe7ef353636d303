/**
 * GopCache: a layer's packets since its last keyframe, for viewers whose connection comes up
 * mid-group. What a player needs of it: the group from the keyframe's first packet on, nothing
 * from before; bounded in age and packets; handed out with its frames squeezed into the newest
 * frame's moment (so the player's clock starts at the present) and sequence numbers untouched;
 * the cached packets themselves never changed. And LayerSwitch offers it only while packets still
 * pass untouched.
 */
import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket, RTCRtpCodecParameters } from 'werift';
import {
  CATCH_UP_MAX_AGE_MS,
  GOP_CACHE_MAX_AGE_MS,
  GOP_CACHE_MAX_PACKETS,
  GopCache,
  retimeForCatchUp,
} from '../../../server/sfu/gop-cache.js';
import { LayerSwitch } from '../../../server/sfu/layer-switch.js';
import { vp8Payload } from './vp8-packets.js';

const VP8 = new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96 });

function packet(sequenceNumber: number, timestamp: number, options: { keyframe?: boolean; start?: boolean } = {}): RtpPacket {
  const header = new RtpHeader({ sequenceNumber, timestamp, ssrc: 1111, payloadType: 96, marker: true });
  return new RtpPacket(header, vp8Payload(options));
}

/** A frame of `count` packets: the first starts the frame, the rest continue it. */
function frame(firstSequence: number, timestamp: number, count: number, keyframe = false): RtpPacket[] {
  return Array.from({ length: count }, (_, i) =>
    packet(firstSequence + i, timestamp, { keyframe: keyframe && i === 0, start: i === 0 }),
  );
}

describe('GopCache', () => {
  it('holds nothing until a keyframe, then the group from its first packet on', () => {
    const cache = new GopCache('video/VP8');
    for (const p of frame(1, 3000, 2)) cache.push(p, 0);
    expect(cache.size).toBe(0);
    expect(cache.catchUp(0)).toBeUndefined();
    const group = [...frame(3, 6000, 3, true), ...frame(6, 9000, 2)];
    for (const p of group) cache.push(p, 10);
    expect(cache.catchUp(20)?.map((p) => p.header.sequenceNumber)).toEqual([3, 4, 5, 6, 7]);
  });

  it('starts over at every keyframe', () => {
    const cache = new GopCache('video/VP8');
    for (const p of [...frame(1, 0, 2, true), ...frame(3, 3000, 1)]) cache.push(p, 0);
    for (const p of [...frame(4, 6000, 2, true), ...frame(6, 9000, 1)]) cache.push(p, 100);
    expect(cache.catchUp(100)?.map((p) => p.header.sequenceNumber)).toEqual([4, 5, 6]);
  });

  it('offers the group only while its keyframe is young enough', () => {
    const cache = new GopCache('video/VP8');
    for (const p of frame(1, 0, 2, true)) cache.push(p, 1000);
    expect(cache.catchUp(1000 + CATCH_UP_MAX_AGE_MS)).toHaveLength(2);
    expect(cache.catchUp(1000 + CATCH_UP_MAX_AGE_MS + 1)).toBeUndefined();
    expect(cache.catchUp(1100, 50)).toBeUndefined();
  });

  it('drops a group that grows too old or too long until the next keyframe (memory stays bounded)', () => {
    const old = new GopCache('video/VP8');
    for (const p of frame(1, 0, 2, true)) old.push(p, 0);
    old.push(packet(3, 3000, { start: true }), GOP_CACHE_MAX_AGE_MS + 1);
    expect(old.size).toBe(0);
    old.push(packet(4, 6000, { start: true }), GOP_CACHE_MAX_AGE_MS + 2);
    expect(old.size).toBe(0);

    const long = new GopCache('video/VP8');
    long.push(packet(0, 0, { keyframe: true }), 0);
    for (let i = 1; i < GOP_CACHE_MAX_PACKETS + 10; i++) long.push(packet(i, 0, { start: false }), 1);
    expect(long.size).toBeLessThanOrEqual(GOP_CACHE_MAX_PACKETS);
    for (const p of frame(1000, 9000, 2, true)) long.push(p, 2);
    expect(long.size).toBe(2);
  });

  it('clear() forgets the group (a returning publisher starts a new stream)', () => {
    const cache = new GopCache('video/VP8');
    for (const p of frame(1, 0, 2, true)) cache.push(p, 0);
    cache.clear();
    expect(cache.catchUp(0)).toBeUndefined();
    cache.push(packet(3, 3000, { start: true }), 1);
    expect(cache.size).toBe(0);
  });
});

describe('retimeForCatchUp', () => {
  it('squeezes earlier frames to one tick apart before the newest, which keeps its timestamp', () => {
    const group = [...frame(10, 90_000, 2, true), ...frame(12, 93_000, 2), ...frame(14, 96_000, 1), ...frame(15, 99_000, 2)];
    const out = retimeForCatchUp(group);
    expect(out.map((p) => p.header.timestamp)).toEqual([99_000 - 3, 99_000 - 3, 99_000 - 2, 99_000 - 2, 99_000 - 1, 99_000, 99_000]);
    expect(out.map((p) => p.header.sequenceNumber)).toEqual(group.map((p) => p.header.sequenceNumber));
    // The payloads are the same bytes; the cached packets are not changed.
    expect(out.map((p) => p.payload)).toEqual(group.map((p) => p.payload));
    expect(group.map((p) => p.header.timestamp)).toEqual([90_000, 90_000, 93_000, 93_000, 96_000, 99_000, 99_000]);
    // The newest frame's packets are passed on as they are (its other packets may follow live).
    expect(out[6]).toBe(group[6]);
  });

  it('wraps below zero like RTP timestamps do', () => {
    const out = retimeForCatchUp([...frame(1, 4_294_967_000, 1, true), ...frame(2, 1, 1)]);
    expect(out.map((p) => p.header.timestamp)).toEqual([0, 1]);
    const wrapped = retimeForCatchUp([...frame(1, 10, 1, true), ...frame(2, 0, 1)]);
    expect(wrapped.map((p) => p.header.timestamp)).toEqual([4_294_967_295, 0]);
  });

  it('keeps a frame whose packets arrived out of order as one frame', () => {
    const [a, b] = frame(1, 0, 2, true);
    const [c] = frame(3, 3000, 1);
    const out = retimeForCatchUp([a!, c!, b!]);
    expect(out.map((p) => p.header.timestamp)).toEqual([2999, 3000, 2999]);
  });
});

describe('LayerSwitch.catchUp', () => {
  function layer(id: string) {
    const listeners = new Set<(packet: RtpPacket) => void>();
    const gop = new GopCache('video/VP8');
    return {
      id,
      gop,
      track: {
        kind: 'video' as const,
        codec: VP8,
        onPacket(listener: (packet: RtpPacket) => void) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        requestKeyframe() {},
      },
      send(p: RtpPacket) {
        gop.push(p);
        for (const listener of listeners) listener(p);
      },
    };
  }

  it("offers the current layer's group while packets pass untouched, and nothing after a switch", () => {
    const high = layer('h');
    const low = layer('q');
    const source = new LayerSwitch(VP8, high);
    for (const p of frame(1, 0, 2, true)) high.send(p);
    high.send(packet(3, 3000, { start: true }));
    expect(source.catchUp()?.map((p) => p.header.sequenceNumber)).toEqual([1, 2, 3]);

    source.switchTo(low);
    // Pending (no keyframe on the new layer yet): the stream is still the high layer's own.
    expect(source.catchUp()).toHaveLength(3);
    for (const p of frame(50, 0, 1, true)) low.send(p);
    expect(source.layer).toBe('q');
    // Renumbered from here on: the low layer's cached packets would not follow on.
    expect(source.catchUp()).toBeUndefined();
  });

  it("starts on the best other layer that can start at once when the current one cannot (its keyframe not in, or the layer off)", () => {
    const top = layer('f');
    const middle = layer('h');
    const low = layer('q');
    const source = new LayerSwitch(VP8, top, () => [top, middle, low]);
    const seen: RtpPacket[] = [];
    source.onPacket((p) => seen.push(p));
    top.send(packet(900, 0, { start: true }));
    for (const p of frame(10, 3000, 2, true)) low.send(p);
    for (const p of frame(20, 3000, 2, true)) middle.send(p);
    middle.send(packet(22, 6000, { start: true }));
    const frames = source.catchUp();
    expect(frames?.map((p) => p.header.sequenceNumber)).toEqual([20, 21, 22]);
    expect(source.layer).toBe('h');
    // From now on the middle layer's packets pass untouched, the top layer's no more.
    seen.length = 0;
    top.send(packet(901, 3000, { start: true }));
    middle.send(packet(23, 9000, { start: true }));
    expect(seen.map((p) => p.header.sequenceNumber)).toEqual([23]);
    // A later switch up numbers on from what the viewer got.
    source.switchTo(top);
    top.send(packet(902, 12_000, { keyframe: true }));
    expect(seen.at(-1)?.header.sequenceNumber).toBe(24);
  });

  it('offers nothing when no layer can start at once', () => {
    const top = layer('f');
    const low = layer('q');
    const source = new LayerSwitch(VP8, top, () => [top, low]);
    top.send(packet(1, 0, { start: true }));
    low.send(packet(1, 0, { start: true }));
    expect(source.catchUp()).toBeUndefined();
    expect(source.layer).toBe('f');
  });

  it('offers nothing for a layer without a cache', () => {
    const bare = { id: '', track: layer('').track };
    expect(new LayerSwitch(VP8, bare).catchUp()).toBeUndefined();
  });
});
