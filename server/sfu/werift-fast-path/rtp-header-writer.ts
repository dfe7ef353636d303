/**
 * Writes an RTP header straight into the buffer that becomes the SRTP packet, byte for byte as
 * werift 0.25.2's `RtpHeader.serialize()` does. werift allocates a separate header buffer, builds
 * each of the first two bytes with a `BitWriter` object, and then concatenates the pieces again
 * after encryption.
 *
 * Only the RFC 8285 one-byte and two-byte extension profiles are handled. werift's third branch
 * (any other profile) throws on a packet without extensions, so the fast path sends such packets
 * through werift instead (see `isForwardable`).
 */
import type { RtpHeader } from 'werift';

export const ONE_BYTE_PROFILE = 0xbede;
export const TWO_BYTE_PROFILE = 0x1000;

type HeaderExtension = RtpHeader['extensions'][number];

/** werift's `RtpHeader.serializeSize` for the two profiles handled here. */
export function rtpHeaderSize(header: RtpHeader): number {
  const { csrc, extensions } = header;
  let size = 12 + csrc.length * 4;
  if (extensions.length > 0 || header.extension === true) {
    const perExtension = header.extensionProfile === ONE_BYTE_PROFILE ? 1 : 2;
    let extensionSize = 4;
    for (const extension of extensions) extensionSize += perExtension + extension.payload.length;
    size += Math.floor((extensionSize + 3) / 4) * 4;
  }
  return size;
}

/**
 * Writes `header` at the start of `buffer` (at least `rtpHeaderSize(header)` long) and returns the
 * payload offset. Like werift, it sets `header.extension` once there are extensions, and it sets
 * `header.payloadOffset`. Oversized ids or lengths throw from `writeUInt8`, as they do in werift.
 */
export function writeRtpHeader(buffer: Buffer, header: RtpHeader): number {
  const { csrc, extensions } = header;
  if (extensions.length > 0) header.extension = true;
  // werift's BitWriter masks each field to its width.
  buffer[0] = ((header.version & 0x3) << 6) | (header.padding ? 0x20 : 0) | (header.extension ? 0x10 : 0) | (csrc.length & 0xf);
  buffer[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  buffer.writeUInt16BE(header.sequenceNumber, 2);
  buffer.writeUInt32BE(header.timestamp, 4);
  buffer.writeUInt32BE(header.ssrc, 8);
  let offset = 12;
  for (const source of csrc) {
    buffer.writeUInt32BE(source, offset);
    offset += 4;
  }
  if (header.extension) offset = writeExtensions(buffer, offset, header.extensionProfile, extensions);
  header.payloadOffset = offset;
  return offset;
}

function writeExtensions(buffer: Buffer, start: number, profile: number, extensions: readonly HeaderExtension[]): number {
  buffer.writeUInt16BE(profile, start);
  let offset = start + 4;
  const first = offset;
  for (const { id, payload } of extensions) {
    if (profile === ONE_BYTE_PROFILE) {
      buffer.writeUInt8((id << 4) | (payload.length - 1), offset++);
    } else {
      buffer.writeUInt8(id, offset++);
      buffer.writeUInt8(payload.length, offset++);
    }
    // Byte by byte: these payloads are a few bytes, where Buffer.copy's own overhead dominates.
    for (let i = 0; i < payload.length; i++) buffer[offset++] = payload[i]!;
  }
  const written = offset - first;
  const rounded = Math.trunc((written + 3) / 4) * 4;
  buffer.writeUInt16BE(rounded / 4, start + 2);
  // Zero padding to a 4-byte boundary (werift's buffer starts zeroed; ours may not).
  while (offset < first + rounded) buffer[offset++] = 0;
  return first + rounded;
}
