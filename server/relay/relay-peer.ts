import { RTCPeerConnection, useAbsSendTime, useSdesMid, type PeerConfig } from 'werift';
import type { forwardingCodecs } from '../sfu/peer-config.js';

/** Where the relay's ICE agent may gather and send: the node's own ICE settings (server/sfu/peer-config.ts's IceSettings). */
export interface RelayNetwork {
  /** Gather on these addresses only (tests: ['127.0.0.1']); undefined: every LAN IPv4 address. */
  hostAddresses?: readonly string[] | undefined;
  portRange?: [number, number] | undefined;
}

export type RelayCodecs = ReturnType<typeof forwardingCodecs>;

/**
 * A full ICE agent (the target may well be ICE-lite, like the node: one side must start the
 * checks), host candidates only unless the busker configured a STUN server. With `hostAddresses`
 * werift gathers on exactly those (its own interface scan is switched off) and binds there when
 * there is one. One bundled transport, since WHIP targets expect it.
 */
export function relayPeerConfig(network: RelayNetwork, stunUrl: string | undefined, codecs: RelayCodecs): Partial<PeerConfig> {
  const only = network.hostAddresses?.length ? network.hostAddresses : undefined;
  return {
    iceServers: stunUrl ? [{ urls: stunUrl }] : [],
    iceStunGatherTimeout: 3,
    iceUseIpv4: only === undefined,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: only ? [...only] : undefined,
    iceInterfaceAddresses: only?.length === 1 ? { udp4: only[0] } : undefined,
    icePortRange: network.portRange,
    bundlePolicy: 'max-bundle',
    codecs,
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
  };
}

/**
 * werift's full agent queries Google's STUN server whenever none is configured (its Connection
 * falls back to stun.l.google.com:19302 even with `iceServers: []`: NOTES-media.md), which would
 * send a DNS query and a STUN request off the machine for every relay attempt. Its gatherer reads
 * `connection.stunServer` only when gathering starts, so clearing it after the transceivers made
 * the transport and before `setLocalDescription` gathers leaves host candidates only.
 */
export function withoutFallbackStun(pc: RTCPeerConnection, stunUrl: string | undefined): void {
  if (stunUrl) return;
  for (const transport of pc.iceTransports) transport.connection.stunServer = undefined;
}
