import { RTCRtpCodecParameters, RTCPeerConnection, useOPUS, useVP8 } from 'werift';
import { describe, expect, it } from 'vitest';
import { relayPeerConfig, withoutFallbackStun } from '../../../server/relay/relay-peer.js';
import { forwardingCodecs as relayCodecs } from '../../../server/sfu/peer-config.js';

async function gatheredOffer(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.iceGatheringStateChange.subscribe((state) => state === 'complete' && resolve());
  });
  return pc.localDescription!.sdp;
}

describe('the relay’s peer: host candidates on the allowed addresses, the set’s codecs, no fallback STUN', () => {
  it('offers exactly the source codecs without transport-cc', () => {
    const vp8 = useVP8();
    vp8.rtcpFeedback.push({ type: 'transport-cc' });
    const codecs = relayCodecs({ audio: useOPUS(), video: vp8 });
    expect(codecs.video.map((c) => c.mimeType)).toEqual(['video/VP8']);
    expect(codecs.video[0]!.rtcpFeedback.map((fb) => fb.type)).not.toContain('transport-cc');
    expect(codecs.audio.map((c) => c.mimeType.toLowerCase())).toEqual(['audio/opus']);
    expect(relayCodecs({ video: new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90_000 }) }).audio).toEqual([]);
  });

  it('gathers only on hostAddresses, and without a configured STUN server asks none (werift would ask Google’s)', async () => {
    const pc = new RTCPeerConnection(relayPeerConfig({ hostAddresses: ['127.0.0.1'] }, undefined, relayCodecs({ audio: useOPUS(), video: useVP8() })));
    pc.addTransceiver('audio', { direction: 'sendonly' });
    pc.addTransceiver('video', { direction: 'sendonly' });
    expect(pc.iceTransports).toHaveLength(1);
    expect(pc.iceTransports[0]!.connection.stunServer).toEqual(['stun.l.google.com', 19302]);
    withoutFallbackStun(pc, undefined);
    expect(pc.iceTransports[0]!.connection.stunServer).toBeUndefined();
    const offer = await gatheredOffer(pc);
    const candidates = offer.split('\r\n').filter((line) => line.startsWith('a=candidate'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const line of candidates) expect(line).toMatch(/ 127\.0\.0\.1 \d+ typ host/);
    expect(offer).toMatch(/a=group:BUNDLE/);
    expect(offer).not.toContain('transport-cc');
    await pc.close();
  });

  it('uses the busker’s STUN server when there is one', () => {
    const pc = new RTCPeerConnection(relayPeerConfig({ hostAddresses: ['127.0.0.1'] }, 'stun:127.0.0.1:3478', relayCodecs({ video: useVP8() })));
    pc.addTransceiver('video', { direction: 'sendonly' });
    withoutFallbackStun(pc, 'stun:127.0.0.1:3478');
    expect(pc.iceTransports[0]!.connection.stunServer).toEqual(['127.0.0.1', 3478]);
    void pc.close();
  });
});
