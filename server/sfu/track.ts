import type { RtpPacket, RTCRtpCodecParameters } from 'werift';

export type MediaKind = 'audio' | 'video';

/**
 * The media seam (after Galène's conn.Up/Down): a source of RTP that sinks (viewers, later the
 * recorder and the WHIP relay) subscribe to. Sinks never see the publisher's peer connection.
 */
export interface TrackSource {
  readonly kind: MediaKind;
  readonly codec: RTCRtpCodecParameters;
  /** Subscribe to packets; the packet is shared, so a sink must not mutate it. */
  onPacket(listener: (packet: RtpPacket) => void): () => void;
  /** Ask the sender for a keyframe; rate-limited by the source. */
  requestKeyframe(): void;
  /**
   * Video: what a sink that starts now can decode at once — the packets since the last keyframe,
   * if recent (GopCache) — or undefined (then it asks for a keyframe and waits).
   */
  catchUp?(now?: number): RtpPacket[] | undefined;
}
