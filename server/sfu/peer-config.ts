import {
  RTCDtlsTransport,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  useH264,
  useOPUS,
  useSdesMid,
  useSdesRTPStreamId,
  useRepairedRtpStreamId,
  useAbsSendTime,
  useVP8,
  type PeerConfig,
} from 'werift';
import { PLAYOUT_DELAY_HINT, PLAYOUT_DELAY_URI } from './playout-delay.js';

/** How the node's ICE agent behaves; the only network-facing choice the SFU makes. */
export interface IceSettings {
  /**
   * Advertise and answer on these addresses only. Undefined: every LAN IPv4 address (what phones on
   * the busker's Wi-Fi need). Tests pass ['127.0.0.1'] so nothing leaves the loopback interface.
   */
  hostAddresses?: readonly string[] | undefined;
  /** Fixed UDP port range for media, e.g. for a firewall rule. */
  portRange?: [number, number] | undefined;
}

/**
 * The publisher's codecs, in our order of preference. VP8 plays in every browser (Safari
 * included); H.264 is what OBS sends over WHIP. Feedback: NACK + PLI + REMB, and deliberately no
 * transport-cc (see rewriteAnswer).
 */
export function publisherCodecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  return {
    audio: [useOPUS({ parameters: 'minptime=10;useinbandfec=1' })],
    video: [useVP8(), useH264()],
  };
}

/**
 * A sink of the set (a viewer, the relay) is offered exactly the codecs the publisher sends: the
 * node forwards, never transcodes. No transport-cc: werift sends no congestion feedback.
 */
export function forwardingCodecs(source: { audio?: RTCRtpCodecParameters; video?: RTCRtpCodecParameters }): {
  audio: RTCRtpCodecParameters[];
  video: RTCRtpCodecParameters[];
} {
  const copy = (codec: RTCRtpCodecParameters) =>
    new RTCRtpCodecParameters({
      mimeType: codec.mimeType,
      clockRate: codec.clockRate,
      channels: codec.channels,
      parameters: codec.parameters,
      rtcpFeedback: codec.rtcpFeedback.filter((fb) => fb.type !== 'transport-cc'),
    });
  return {
    audio: source.audio ? [copy(source.audio)] : [],
    video: source.video ? [copy(source.video)] : [],
  };
}

/**
 * werift configuration shared by publisher and viewer peers.
 *
 * The node is an ICE-lite endpoint, as SFUs usually are (mediasoup, Janus's option): it never
 * initiates connectivity checks and gathers host candidates only. That is also what keeps it off
 * the network by default — a full werift agent queries Google's STUN server even with
 * `iceServers: []` (NOTES-media.md). Browsers behind NAT reach us through their own TURN relay.
 */
export function peerConfig(
  ice: IceSettings,
  codecs: { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] },
  role: 'publisher' | 'viewer' = 'viewer',
): Partial<PeerConfig> {
  const only = ice.hostAddresses;
  return {
    iceServers: [],
    iceLite: true,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: only ? [...only] : undefined,
    iceInterfaceAddresses: only?.length === 1 ? { udp4: only[0] } : undefined,
    // Answer connectivity checks only from the allowed addresses, so a test never pairs a LAN address.
    iceFilterStunResponse: only ? (_message, addr) => only.includes(addr[0]) : undefined,
    icePortRange: ice.portRange,
    codecs,
    headerExtensions: {
      audio: [useSdesMid()],
      // A publisher may send simulcast: its layers are told apart by RTP stream id (RFC 8852).
      // A viewer is sent the playout-delay hint if its browser offers it (playout-delay.ts).
      video:
        role === 'publisher'
          ? [useSdesMid(), useAbsSendTime(), useSdesRTPStreamId(), useRepairedRtpStreamId()]
          : [useSdesMid(), useAbsSendTime(), ...(PLAYOUT_DELAY_HINT ? [new RTCRtpHeaderExtensionParameters({ uri: PLAYOUT_DELAY_URI })] : [])],
    },
  };
}

/**
 * Makes the DTLS certificate werift shares between a thread's peer connections now (~20 ms here,
 * more under load) instead of during the first WHIP or WHEP join on this thread. Call once per
 * thread at start; failing is harmless (werift then makes it at the first join, as before).
 */
export async function warmDtlsCertificate(): Promise<void> {
  await RTCDtlsTransport.SetupCertificate();
}

