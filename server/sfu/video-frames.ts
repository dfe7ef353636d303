/**
 * The little the SFU must know about video payloads to switch a viewer between simulcast layers:
 * where a keyframe starts (the only place a decoder can pick up a new stream), a VP8 keyframe's
 * size (to order layers), and VP8's picture numbering (which receivers use to find references and
 * must run on without a jump when the layer changes; RFC 7741 §4.2).
 */

/** The VP8 payload descriptor fields a layer switch rewrites; offsets are into the RTP payload. */
export interface Vp8Descriptor {
  /** The first packet of a frame (S bit set, partition 0). */
  frameStart: boolean;
  /** Start of a keyframe (only meaningful when frameStart). */
  keyframe: boolean;
  pictureId: number | undefined;
  /** 15-bit picture ids (M bit) or 7-bit. */
  pictureIdBits: 7 | 15;
  pictureIdOffset: number;
  tl0PicIdx: number | undefined;
  tl0PicIdxOffset: number;
  /** Where the VP8 payload (the frame itself) starts. */
  payloadOffset: number;
}

/** Parses a VP8 RTP payload descriptor; undefined when the payload is too short to be one. */
export function readVp8Descriptor(payload: Uint8Array): Vp8Descriptor | undefined {
  if (payload.length < 1) return undefined;
  const first = payload[0]!;
  const extended = (first & 0x80) !== 0;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  let offset = 1;
  let pictureId: number | undefined;
  let pictureIdBits: 7 | 15 = 15;
  let pictureIdOffset = -1;
  let tl0PicIdx: number | undefined;
  let tl0PicIdxOffset = -1;
  if (extended) {
    if (payload.length < 2) return undefined;
    const flags = payload[1]!;
    offset = 2;
    if (flags & 0x80) {
      if (payload.length < offset + 1) return undefined;
      pictureIdOffset = offset;
      if (payload[offset]! & 0x80) {
        if (payload.length < offset + 2) return undefined;
        pictureId = ((payload[offset]! & 0x7f) << 8) | payload[offset + 1]!;
        offset += 2;
      } else {
        pictureId = payload[offset]! & 0x7f;
        pictureIdBits = 7;
        offset += 1;
      }
    }
    if (flags & 0x40) {
      if (payload.length < offset + 1) return undefined;
      tl0PicIdxOffset = offset;
      tl0PicIdx = payload[offset]!;
      offset += 1;
    }
    if (flags & 0x30) offset += 1;
  }
  if (payload.length <= offset) return undefined;
  const frameStart = start && partition === 0;
  // The VP8 frame tag's P bit is 0 on a keyframe (RFC 6386 §9.1).
  const keyframe = frameStart && (payload[offset]! & 0x01) === 0;
  return { frameStart, keyframe, pictureId, pictureIdBits, pictureIdOffset, tl0PicIdx, tl0PicIdxOffset, payloadOffset: offset };
}

/** A VP8 keyframe's coded size, from the first packet of the keyframe; undefined otherwise. */
export function vp8KeyframeSize(payload: Uint8Array, descriptor: Vp8Descriptor): { width: number; height: number } | undefined {
  if (!descriptor.keyframe) return undefined;
  const o = descriptor.payloadOffset;
  // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height, little-endian.
  if (payload.length < o + 10 || payload[o + 3] !== 0x9d || payload[o + 4] !== 0x01 || payload[o + 5] !== 0x2a) return undefined;
  const width = (payload[o + 6]! | (payload[o + 7]! << 8)) & 0x3fff;
  const height = (payload[o + 8]! | (payload[o + 9]! << 8)) & 0x3fff;
  return { width, height };
}

/** A copy of a VP8 payload with its picture id and TL0PICIDX replaced (fields it lacks are left alone). */
export function rewriteVp8(payload: Buffer, descriptor: Vp8Descriptor, pictureId: number, tl0PicIdx: number): Buffer {
  const copy = Buffer.from(payload);
  if (descriptor.pictureIdOffset >= 0) {
    if (descriptor.pictureIdBits === 15) {
      copy[descriptor.pictureIdOffset] = 0x80 | ((pictureId >> 8) & 0x7f);
      copy[descriptor.pictureIdOffset + 1] = pictureId & 0xff;
    } else {
      copy[descriptor.pictureIdOffset] = pictureId & 0x7f;
    }
  }
  if (descriptor.tl0PicIdxOffset >= 0) copy[descriptor.tl0PicIdxOffset] = tl0PicIdx & 0xff;
  return copy;
}

const H264_IDR = 5;
const H264_SPS = 7;
const H264_STAP_A = 24;
const H264_FU_A = 28;

/** Whether an H.264 RTP payload (RFC 6184) starts a keyframe: an SPS or the start of an IDR slice. */
export function isH264KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === H264_IDR || type === H264_SPS) return true;
  if (type === H264_FU_A) {
    if (payload.length < 2) return false;
    const header = payload[1]!;
    const inner = header & 0x1f;
    return (header & 0x80) !== 0 && (inner === H264_IDR || inner === H264_SPS);
  }
  if (type === H264_STAP_A) {
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = (payload[offset]! << 8) | payload[offset + 1]!;
      const inner = payload[offset + 2]! & 0x1f;
      if (inner === H264_IDR || inner === H264_SPS) return true;
      offset += 2 + size;
    }
  }
  return false;
}

/** The first descriptor byte's S bit and partition index (RFC 7741 §4.2); the R bit is ignored. */
const VP8_START_MASK = 0x17;
const VP8_S_BIT = 0x10;

/**
 * Whether a video RTP payload of this codec starts a keyframe. Called for every packet of every
 * layer (GopCache, VideoLayers), so the common case costs a byte test.
 */
export function isKeyframeStart(mimeType: string, payload: Uint8Array): boolean {
  const codec = keyframeCodec(mimeType);
  if (codec === 'vp8') {
    // Only a frame's first packet (S bit set, partition 0) can start a keyframe: most packets stop here.
    if (((payload[0] ?? 0) & VP8_START_MASK) !== VP8_S_BIT) return false;
    return readVp8Descriptor(payload)?.keyframe ?? false;
  }
  if (codec === 'h264') return isH264KeyframeStart(payload);
  return false;
}

let lastMimeType = '';
let lastCodec: 'vp8' | 'h264' | undefined;

/** The codec of a mime type, remembered: werift's 'video/VP8' would otherwise be lower-cased (a new string) per packet. */
function keyframeCodec(mimeType: string): 'vp8' | 'h264' | undefined {
  if (mimeType !== lastMimeType) {
    const mime = mimeType.toLowerCase();
    lastCodec = mime === 'video/vp8' ? 'vp8' : mime === 'video/h264' ? 'h264' : undefined;
    lastMimeType = mimeType;
  }
  return lastCodec;
}
