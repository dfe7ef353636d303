import { fetchIceServers } from './ice.js';
import { MediaSession, type PeerState } from './media-session.js';

export interface PublishOptions {
  token: string;
  video: MediaStreamTrack;
  /** Optional: a set may be video only (no microphone). */
  audio?: MediaStreamTrack | undefined;
  onState?: (state: PeerState) => void;
  endpoint?: string;
  /** STUN/TURN servers; by default the node's (GET /api/ice, fresh for each session). */
  iceServers?: (signal: AbortSignal) => Promise<RTCIceServer[]>;
  /** Send the camera in three sizes, so the node can give each viewer what its link carries. */
  simulcast?: boolean;
}

/**
 * The simulcast layers, lowest first (rids as LiveKit and most SFUs name them): 720p at the same
 * bitrate as without simulcast, 360p and 180p for phones on a weak link. The browser drops the
 * upper ones by itself when the camera gives less than 720p.
 */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
];

/** Publishes a camera and microphone to the node over WHIP. */
export class WhipSession {
  readonly #session: MediaSession;
  readonly #senders = new Map<string, RTCRtpSender>();

  constructor(options: PublishOptions) {
    const endpoint = options.endpoint ?? '/whip';
    this.#session = new MediaSession({
      endpoint,
      headers: { Authorization: `Bearer ${options.token}` },
      onState: options.onState,
      iceServers: options.iceServers ?? ((signal) => fetchIceServers(endpoint, signal)),
    });
    const stream = new MediaStream([options.video, ...(options.audio ? [options.audio] : [])]);
    for (const track of stream.getTracks()) {
      const simulcast = track.kind === 'video' && options.simulcast === true;
      const transceiver = this.#session.pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [stream],
        ...(simulcast ? { sendEncodings: SIMULCAST_ENCODINGS.map((encoding) => ({ ...encoding })) } : {}),
      });
      if (track.kind === 'video') preferVp8(transceiver);
      this.#senders.set(track.kind, transceiver.sender);
    }
  }

  get state(): PeerState {
    return this.#session.state;
  }

  /** The session's URL on the node, once it answered (`/whip/<id>`). */
  get location(): string | undefined {
    return this.#session.location;
  }

  /** Resolves once the node receives media; rejects with the node's message. */
  start(): Promise<void> {
    return this.#session.start();
  }

  /** Swaps the camera or microphone without renegotiating; false when this session has no such track. */
  async replaceTrack(track: MediaStreamTrack): Promise<boolean> {
    const sender = this.#senders.get(track.kind);
    if (!sender || this.#session.stopped) return false;
    await sender.replaceTrack(track);
    return true;
  }

  /** Ends the set on the node (DELETE, unless the node already ended it) and closes the peer. */
  stop(notifyNode = true): Promise<void> {
    return this.#session.stop(notifyNode);
  }
}

/**
 * VP8 first: every browser can play it (Safari included), and the SFU forwards without transcoding,
 * so what the studio sends is what phones must decode.
 */
function preferVp8(transceiver: RTCRtpTransceiver): void {
  if (typeof transceiver.setCodecPreferences !== 'function') return;
  // Chromium long checked preferences against the receiver's capabilities, newer specs the sender's.
  for (const capabilities of [RTCRtpSender.getCapabilities?.('video'), RTCRtpReceiver.getCapabilities?.('video')]) {
    const codecs = capabilities?.codecs ?? [];
    const isVp8 = (codec: RTCRtpCodec) => codec.mimeType.toLowerCase() === 'video/vp8';
    if (!codecs.some(isVp8)) continue;
    try {
      transceiver.setCodecPreferences([...codecs.filter(isVp8), ...codecs.filter((codec) => !isVp8(codec))]);
      return;
    } catch {
      // Try the other capability list; the browser's default order is the fallback.
    }
  }
}
