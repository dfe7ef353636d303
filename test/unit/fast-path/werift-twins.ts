/**
 * Two werift senders in identical states ("twins"): same SSRC, same SRTP keys and profile, same
 * negotiated codec and header extensions. Feeding one through werift's `sendRtp` and the other
 * through the fast path must put the same bytes on the wire.
 *
 * Everything is a real werift 0.25.2 object (RTCRtpSender, RTCDtlsTransport, SrtpSession, ICE
 * gatherer and Connection, CandidatePair, StunProtocol, UdpTransport) except two things. DTLS is never run:
 * the transport is marked connected and given its SRTP session. And the UDP socket's `send`
 * records datagrams instead of sending them.
 */
import {
  Candidate,
  CandidatePair,
  RTCDtlsTransport,
  RTCIceGatherer,
  RTCIceTransport,
  RTCRtcpParameters,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  RTCRtpSender,
  SrtpSession,
  type RtpPacket,
  StunProtocol,
  UdpTransport,
} from 'werift';

export const MASTER_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
export const MASTER_SALT = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacad', 'hex');
export const SENDER_SSRC = 0x5eed_c0de;

export interface Twin {
  sender: RTCRtpSender;
  dtls: RTCDtlsTransport;
  pair: CandidatePair;
  udp: UdpTransport;
  /** Every datagram handed to the socket, as one buffer each. */
  wire: Buffer[];
  close(): void;
}

export interface TwinOptions {
  profile: number;
  /** Negotiated header extensions (werift writes mid, rid, repaired rid, transport-cc, abs-send-time). */
  extensions: Array<{ id: number; uri: string }>;
  rtpStreamId?: string;
}

export function makeTwin(options: TwinOptions): Twin {
  const gatherer = new RTCIceGatherer({ iceLite: true });
  const connection = gatherer.connection;
  // UdpTransport.init() would bind a port; the constructor (private in werift's typings) only makes the socket.
  const udp = new (UdpTransport as unknown as new (type: 'udp4') => UdpTransport)('udp4');
  const wire: Buffer[] = [];
  // The only stand-in: the socket records what it is given (one buffer, or the parts of one datagram).
  (udp.socket as unknown as { send: (data: Buffer | Buffer[]) => void }).send = (data) => {
    wire.push(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
  };
  const protocol = new StunProtocol();
  protocol.transport = udp;
  const pair = new CandidatePair(protocol, new Candidate('1', 1, 'udp', 1, '127.0.0.1', 50_000, 'host'), false);
  connection.nominated = pair;

  const iceTransport = new RTCIceTransport(gatherer);
  const dtls = new RTCDtlsTransport({} as ConstructorParameters<typeof RTCDtlsTransport>[0], iceTransport, undefined, []);
  const keys = { localMasterKey: MASTER_KEY, localMasterSalt: MASTER_SALT, remoteMasterKey: MASTER_KEY, remoteMasterSalt: MASTER_SALT };
  Object.assign(dtls, { state: 'connected', srtp: new SrtpSession({ keys, profile: options.profile }) });

  const sender = new RTCRtpSender('video');
  Object.assign(sender, { ssrc: SENDER_SSRC });
  sender.setDtlsTransport(dtls);
  sender.prepareSend({
    muxId: '1',
    rtpStreamId: options.rtpStreamId,
    rtcp: new RTCRtcpParameters({ cname: 'twin' }),
    codecs: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96 })],
    headerExtensions: options.extensions.map((e) => new RTCRtpHeaderExtensionParameters(e)),
  });
  // Sender reports would start a 0.5–1.5 s timer loop; the tests check the start separately.
  sender.rtcpRunning = true;
  return {
    sender,
    dtls,
    pair,
    udp,
    wire,
    close() {
      sender.stop();
      udp.socket.close();
    },
  };
}

/** The receiving side of the twins' SRTP: decrypts what they send. */
export function receiverSession(profile: number): SrtpSession {
  const keys = { localMasterKey: MASTER_KEY, localMasterSalt: MASTER_SALT, remoteMasterKey: MASTER_KEY, remoteMasterSalt: MASTER_SALT };
  return new SrtpSession({ keys, profile });
}

/** A sender's state as werift keeps it (private fields, read for comparison only). */
export function senderState(twin: Twin): Record<string, unknown> {
  const s = twin.sender as unknown as Record<string, unknown> & { rtpCache: Array<RtpPacket | undefined> };
  const bwe = (twin.sender.senderBWE as unknown as { sentInfos: Record<number, { size: number; wideSeq: number }> }).sentInfos;
  return {
    sequenceNumber: s.sequenceNumber,
    timestamp: s.timestamp,
    seqOffset: s.seqOffset,
    timestampOffset: s.timestampOffset,
    rtpContinuityPending: s.rtpContinuityPending,
    ntpTimestamp: s.ntpTimestamp,
    rtpTimestamp: s.rtpTimestamp,
    octetCount: s.octetCount,
    headerBytesSent: s.headerBytesSent,
    packetCount: s.packetCount,
    rtpCache: s.rtpCache.map(describeCached),
    bwe: Object.fromEntries(Object.entries(bwe).map(([k, v]) => [k, { size: v.size, wideSeq: v.wideSeq }])),
    dtls: { bytesSent: twin.dtls.bytesSent, packetsSent: twin.dtls.packetsSent, transportSequenceNumber: twin.dtls.transportSequenceNumber },
    pair: { bytesSent: twin.pair.bytesSent, packetsSent: twin.pair.packetsSent },
    rollover: (twin.dtls.srtp.localContext.srtpSSRCStates as Record<number, unknown>)[SENDER_SSRC],
  };
}

/** A packet of the NACK history, as bytes (or, for one werift cannot serialise, its fields). */
function describeCached(packet: RtpPacket | undefined): string | undefined {
  if (!packet) return undefined;
  try {
    return packet.serialize().toString('hex');
  } catch {
    const { header, payload } = packet;
    const extensions = header.extensions.map((e) => `${e.id}:${e.payload.toString('hex')}`).join(',');
    return `unserialisable ${header.sequenceNumber} ${header.timestamp} ${header.ssrc} ${header.payloadType} ${extensions} ${payload.toString('hex')}`;
  }
}
