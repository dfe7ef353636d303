/**
 * werift 0.25.2's `RtpPacket.clone()`, for the copy a sender renumbers, sends and keeps in its
 * NACK history. werift builds it as `new RtpHeader({ ...header })`: an object spread and an
 * `Object.assign` over the fifteen fields, about 0.3 µs a packet. Assigning the fields one by one
 * to a new RtpHeader gives the same object (same class, same fields in the same order, the payload
 * and the csrc list shared as in werift) in a tenth of the time.
 */
import { RtpHeader, RtpPacket } from 'werift';

/** The fields of werift 0.25.2's RtpHeader, in its constructor's order (a unit test checks this). */
export const RTP_HEADER_FIELDS = [
  'version',
  'padding',
  'paddingSize',
  'extension',
  'marker',
  'payloadOffset',
  'payloadType',
  'sequenceNumber',
  'timestamp',
  'ssrc',
  'csrcLength',
  'csrc',
  'extensionProfile',
  'extensionLength',
  'extensions',
] as const;

/** `packet.clone()`, field by field. */
export function clonePacket(packet: RtpPacket): RtpPacket {
  const source = packet.header;
  const header = new RtpHeader();
  header.version = source.version;
  header.padding = source.padding;
  header.paddingSize = source.paddingSize;
  header.extension = source.extension;
  header.marker = source.marker;
  header.payloadOffset = source.payloadOffset;
  header.payloadType = source.payloadType;
  header.sequenceNumber = source.sequenceNumber;
  header.timestamp = source.timestamp;
  header.ssrc = source.ssrc;
  header.csrcLength = source.csrcLength;
  header.csrc = source.csrc;
  header.extensionProfile = source.extensionProfile;
  header.extensionLength = source.extensionLength;
  header.extensions = source.extensions;
  return new RtpPacket(header, packet.payload);
}
