/**
 * The payload facts a layer switch depends on (RFC 7741 for VP8, RFC 6184 for H.264): where a
 * keyframe starts, a VP8 keyframe's size, and rewriting VP8 picture ids without touching the rest.
 */
import { describe, expect, it } from 'vitest';
import { vp8Payload } from './vp8-packets.js';
import { isH264KeyframeStart, isKeyframeStart, readVp8Descriptor, rewriteVp8, vp8KeyframeSize } from '../../../server/sfu/video-frames.js';

describe('VP8 payload descriptor', () => {
  it('reads picture id, TL0PICIDX, frame start and keyframe', () => {
    const key = readVp8Descriptor(vp8Payload({ keyframe: true, pictureId: 0x7abc, tl0: 200 }))!;
    expect(key).toMatchObject({ frameStart: true, keyframe: true, pictureId: 0x7abc, pictureIdBits: 15, tl0PicIdx: 200, payloadOffset: 6 });
    expect(readVp8Descriptor(vp8Payload({ keyframe: false }))!.keyframe).toBe(false);
    // A keyframe's later packets (no S bit) are not a start.
    expect(readVp8Descriptor(vp8Payload({ keyframe: true, start: false }))!.keyframe).toBe(false);
  });

  it('reads 7-bit picture ids and descriptors without extensions', () => {
    const short = Buffer.from([0x90, 0x80, 0x15, 0x10, 0x02, 0x00]);
    expect(readVp8Descriptor(short)).toMatchObject({ pictureId: 0x15, pictureIdBits: 7, tl0PicIdx: undefined, keyframe: true });
    const plain = Buffer.from([0x10, 0x11, 0x02, 0x00]);
    expect(readVp8Descriptor(plain)).toMatchObject({ pictureId: undefined, frameStart: true, keyframe: false, payloadOffset: 1 });
  });

  it('refuses truncated payloads instead of reading past them', () => {
    for (const bytes of [[], [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x90, 0x80, 0x80, 0x01]]) {
      expect(readVp8Descriptor(Buffer.from(bytes))).toBeUndefined();
    }
  });

  it('finds a keyframe’s size', () => {
    const payload = vp8Payload({ keyframe: true, width: 640, height: 360 });
    expect(vp8KeyframeSize(payload, readVp8Descriptor(payload)!)).toEqual({ width: 640, height: 360 });
    const delta = vp8Payload();
    expect(vp8KeyframeSize(delta, readVp8Descriptor(delta)!)).toBeUndefined();
  });

  it('rewrites picture id and TL0PICIDX in a copy, leaving the original and the frame alone', () => {
    const original = vp8Payload({ keyframe: true, pictureId: 100, tl0: 5 });
    const copy = rewriteVp8(original, readVp8Descriptor(original)!, 0x7fff, 255);
    expect(readVp8Descriptor(copy)).toMatchObject({ pictureId: 0x7fff, tl0PicIdx: 255, keyframe: true });
    expect(copy.subarray(6)).toEqual(original.subarray(6));
    expect(readVp8Descriptor(original)!.pictureId).toBe(100);
  });
});

describe('H.264 keyframe start', () => {
  it('is an SPS, an IDR slice, an FU-A starting one, or a STAP-A holding one', () => {
    expect(isH264KeyframeStart(Buffer.from([0x67, 0x42]))).toBe(true); // SPS
    expect(isH264KeyframeStart(Buffer.from([0x65, 0x88]))).toBe(true); // IDR
    expect(isH264KeyframeStart(Buffer.from([0x7c, 0x85]))).toBe(true); // FU-A, start, IDR
    expect(isH264KeyframeStart(Buffer.from([0x7c, 0x05]))).toBe(false); // FU-A, not the start
    expect(isH264KeyframeStart(Buffer.from([0x61, 0x9a]))).toBe(false); // non-IDR slice
    // STAP-A: [size 2][SPS…][size 2][PPS…]
    expect(isH264KeyframeStart(Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce]))).toBe(true);
    expect(isH264KeyframeStart(Buffer.from([0x78, 0x00, 0x02, 0x68, 0xce]))).toBe(false);
    expect(isH264KeyframeStart(Buffer.alloc(0))).toBe(false);
  });

  it('for VP8, only in a packet with the S bit set and partition index 0 (the byte test before parsing)', () => {
    expect(isKeyframeStart('video/VP8', vp8Payload({ keyframe: true, start: false }))).toBe(false);
    const partition1 = vp8Payload({ keyframe: true });
    partition1[0]! |= 0x01;
    expect(isKeyframeStart('video/VP8', partition1)).toBe(false);
    // The reserved bit next to the partition index is ignored (RFC 7741 §4.2).
    const reserved = vp8Payload({ keyframe: true });
    reserved[0]! |= 0x08;
    expect(isKeyframeStart('video/VP8', reserved)).toBe(true);
    // Without the extension bits: S bit, then a keyframe's frame tag (P bit clear).
    expect(isKeyframeStart('video/vp8', Buffer.from([0x10, 0x10, 0x02, 0x00]))).toBe(true);
    expect(isKeyframeStart('video/vp8', Buffer.from([0x00, 0x10, 0x02, 0x00]))).toBe(false);
    expect(isKeyframeStart('video/VP8', Buffer.alloc(0))).toBe(false);
  });

  it('is asked by codec name', () => {
    expect(isKeyframeStart('video/VP8', vp8Payload({ keyframe: true }))).toBe(true);
    expect(isKeyframeStart('video/H264', Buffer.from([0x65]))).toBe(true);
    expect(isKeyframeStart('video/AV1', Buffer.from([0x65]))).toBe(false);
  });
});
