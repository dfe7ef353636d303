/** A VP8 RTP payload: descriptor with a 15-bit picture id and TL0PICIDX, then the frame's first bytes. */
export function vp8Payload(options: { start?: boolean; keyframe?: boolean; pictureId?: number; tl0?: number; width?: number; height?: number } = {}): Buffer {
  const { start = true, keyframe = false, pictureId = 1234, tl0 = 7, width = 1280, height = 720 } = options;
  const descriptor = [0x80 | (start ? 0x10 : 0), 0x80 | 0x40 | 0x20, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, 0x00];
  // Frame tag: P bit (bit 0) clear on a keyframe; then start code and 14-bit sizes.
  const frame = keyframe
    ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8, 0xaa, 0xbb]
    : [0x11, 0x02, 0x00, 0xcc, 0xdd, 0xee];
  return Buffer.from([...descriptor, ...frame]);
}
