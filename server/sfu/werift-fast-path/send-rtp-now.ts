/**
 * `sendRtpNow(sender, packet)` does what werift 0.25.2's `RTCRtpSender.sendRtp(packet)` does for
 * an SFU viewer's packet, but synchronously. werift passes each packet through six nested async
 * functions (sendRtp → dispatchRtp → RTCDtlsTransport.sendRtp → Connection.send →
 * StunProtocol.sendData → UdpTransport.send), and the caller adds a seventh promise to catch
 * errors. This version creates no promises, and does the per-packet work more cheaply: see
 * ntp-time.ts, header-extensions.ts, packet-copy.ts and srtp-protect.ts.
 *
 * The observable effects are werift's: the bytes on the wire, the sender's state (sequence
 * numbers, continuity offsets, statistics, the NACK history) and the transports' counters
 * (test/unit/fast-path checks this). Packets this path does not handle are refused before
 * anything changes, and the caller then hands them to werift.
 */
import { isIP } from 'node:net';
import { StunProtocol, UdpTransport, type RTCRtpSender, type RtpPacket } from 'werift';
import { headerExtensionsFor } from './header-extensions.js';
import { ntpTimeNow } from './ntp-time.js';
import { clonePacket } from './packet-copy.js';
import { ONE_BYTE_PROFILE, TWO_BYTE_PROFILE, rtpHeaderSize } from './rtp-header-writer.js';
import { internalsOf, type ConnectionInternals, type SenderInternals } from './sender-internals.js';
import { protectorFor, type SrtpPacketParts } from './srtp-protect.js';

/** werift's RTP_HISTORY_SIZE: NACKs are answered from the last 128 packets. */
const RTP_HISTORY_SIZE = 128;

/**
 * Sends `packet` as werift would, and returns true. Returns false, having changed nothing, for
 * what only werift handles: raw buffers, padding, an unusual extension profile, RED, werift's
 * pending-RTP queue, a simulated-loss debug setting, an SRTP profile we do not know, and 2036.
 */
export function sendRtpNow(sender: RTCRtpSender, packet: RtpPacket): boolean {
  const s = internalsOf(sender);
  if (!isForwardable(s, packet)) return false;
  // werift's sendRtp and dispatchRtp: nothing to do until DTLS is up and a codec negotiated.
  const transport = s.dtlsTransport;
  const codec = s.codec;
  if (s.stopped || transport?.state !== 'connected' || !codec) return true;
  const context = transport.srtp?.localContext;
  const protector = context && protectorFor(context);
  const clock = ntpTimeNow();
  if (!context || !protector || !clock) return false;

  // From here on, werift's dispatchRtp, step by step.
  const copy = clonePacket(packet);
  const { header, payload } = copy;
  if (s.rtpContinuityPending) {
    if (s.sequenceNumber !== undefined && s.timestamp !== undefined) {
      s.seqOffset = (s.sequenceNumber + 1 - header.sequenceNumber) & 0xffff;
      s.timestampOffset = uint32(s.timestamp + s.pendingTimestampStep - header.timestamp);
    }
    s.rtpContinuityPending = false;
    s.pendingTimestampStep = 1;
  }
  header.ssrc = s.ssrc;
  header.payloadType = codec.payloadType;
  header.timestamp = uint32(header.timestamp + s.timestampOffset);
  header.sequenceNumber = (header.sequenceNumber + s.seqOffset) & 0xffff;
  s.timestamp = header.timestamp;
  s.sequenceNumber = header.sequenceNumber;
  header.extensions = headerExtensionsFor(s, transport, header.extensions, clock);

  s.ntpTimestamp = clock.ntp;
  s.rtpTimestamp = header.timestamp;
  s.octetCount += payload.length;
  s.headerBytesSent += rtpHeaderSize(header);
  s.packetCount = uint32(s.packetCount + 1);
  s.rtpCache[header.sequenceNumber % RTP_HISTORY_SIZE] = copy;

  // werift's RTCDtlsTransport.sendRtp: a failure drops the packet and reports size 0.
  let size = 0;
  try {
    const ssrcState = context.getSrtpSsrcState(header.ssrc);
    context.updateRolloverCount(header.sequenceNumber, ssrcState);
    const parts = protector.protect(header, payload, ssrcState.rolloverCounter);
    const length = parts[0].length + parts[1].length + parts[2].length;
    transport.bytesSent += length;
    transport.packetsSent++;
    sendDatagram(transport.iceTransport.connection, parts, length);
    size = length;
  } catch {
    size = 0;
  }

  // What werift does once the send has returned: start the sender reports, and note the packet
  // for its bandwidth estimator (read only for transport-cc feedback). werift's rtpPacketSent
  // means to drop older entries, but it walks the keys of the new entry instead of its table, so
  // all it does is this one assignment (and about 0.5 µs of sorting nothing).
  if (!s.rtcpRunning && !s.stopped) void s.runRtcp();
  const now = Date.now();
  const wideSeq = transport.transportSequenceNumber;
  s.senderBWE.sentInfos[wideSeq] = { wideSeq, size, sendingAtMs: now, sentAtMs: now };
  return true;
}

/** The cases werift 0.25.2's dispatchRtp handles that this copy does not: refused up front. */
function isForwardable(s: SenderInternals, packet: RtpPacket): boolean {
  if (Buffer.isBuffer(packet) || s.pendingRtpEnabled || s.redRedundantPayloadType) return false;
  const { header } = packet;
  // werift sends a packet's padding flag without its padding bytes; leave that to werift.
  if (header.padding) return false;
  if (header.extensionProfile !== ONE_BYTE_PROFILE && header.extensionProfile !== TWO_BYTE_PROFILE) return false;
  // werift adds 32-bit numbers through BigInt, which throws on a fraction.
  if (!Number.isInteger(header.timestamp) || !Number.isInteger(header.sequenceNumber)) return false;
  if (s.rtpContinuityPending && !Number.isInteger(s.pendingTimestampStep)) return false;
  return !s.dtlsTransport?.config.debug?.outboundPacketLoss;
}

/**
 * werift's Connection.send → StunProtocol.sendData → UdpTransport.send, without their three
 * promises, for the usual case of a host or srflx pair over UDP to an IP address: the parts go
 * out as one datagram. Any other pair (TURN, TCP, a host name) gets one buffer through werift's
 * own `connection.send`.
 */
function sendDatagram(connection: ConnectionInternals, parts: SrtpPacketParts, length: number): void {
  if (!connection.canSendApplicationData()) return;
  const pair = connection.nominated!;
  const protocol = pair.protocol;
  const [host, port] = pair.remoteAddr;
  if (!(protocol instanceof StunProtocol) || !(protocol.transport instanceof UdpTransport) || !isIP(host)) {
    connection.send(Buffer.concat(parts, length)).catch(ignore);
    return;
  }
  const udp = protocol.transport;
  if (!udp.closed) {
    try {
      udp.socket.send(parts, port, host);
    } catch {
      // werift's promise chain swallows this error, and the pair's counters below are not updated.
      return;
    }
  }
  pair.packetsSent++;
  pair.bytesSent += length;
}

/** werift's uint32Add (a BigInt sum, masked) for integers: the same value without BigInt. */
function uint32(value: number): number {
  return value >>> 0;
}

function ignore(): void {}
