/**
 * The fields of werift 0.25.2's sender, DTLS transport and ICE connection that the fast path
 * reads and writes. Most are `private` in werift's typings, which is why the fast path is locked
 * to that version (see ../werift-fast-path.ts). The names and meanings are werift's own.
 */
import type { CandidatePair, Connection, RTCRtpSender, RtpPacket } from 'werift';
import type { SrtpContextKeys } from './srtp-protect.js';

export interface SrtpSsrcState {
  rolloverCounter: number;
}

/** werift's `SrtpContext` (one direction of an `SrtpSession`): keys, plus the per-SSRC rollover state. */
export interface SrtpContextInternals extends SrtpContextKeys {
  getSrtpSsrcState(ssrc: number): SrtpSsrcState;
  updateRolloverCount(sequenceNumber: number, state: SrtpSsrcState): void;
}

export interface ConnectionInternals {
  nominated?: CandidatePair;
  /** RFC 7675 consent: false after consent expired, or once the connection closed or failed. */
  canSendApplicationData(): boolean;
  send: Connection['send'];
}

export interface DtlsTransportInternals {
  state: string;
  config: { debug?: { outboundPacketLoss?: number } };
  srtp?: { localContext?: SrtpContextInternals };
  iceTransport: { connection: ConnectionInternals };
  transportSequenceNumber: number;
  bytesSent: number;
  packetsSent: number;
}

export interface HeaderExtensionParameters {
  id: number;
  uri: string;
}

export interface SenderInternals {
  stopped: boolean;
  ssrc: number;
  codec?: { payloadType: number };
  pendingRtpEnabled: boolean;
  redRedundantPayloadType?: number;
  dtlsTransport?: DtlsTransportInternals;

  // RTP continuity after replaceTrack/replaceRTP, and the last numbers sent.
  rtpContinuityPending: boolean;
  pendingTimestampStep: number;
  seqOffset: number;
  timestampOffset: number;
  sequenceNumber?: number;
  timestamp?: number;

  // Header extensions, as negotiated.
  headerExtensions: HeaderExtensionParameters[];
  mid?: string;
  rtpStreamId?: string;
  repairedRtpStreamId?: string;

  // Statistics, the next sender report, and the history NACKs are answered from.
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  headerBytesSent: number;
  packetCount: number;
  rtpCache: RtpPacket[];
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
  senderBWE: { sentInfos: Record<number, { wideSeq: number; size: number; sendingAtMs: number; sentAtMs: number }> };
}

export function internalsOf(sender: RTCRtpSender): SenderInternals {
  return sender as unknown as SenderInternals;
}
