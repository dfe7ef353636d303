/**
 * Non-browser WHIP/WHEP clients built on werift, for integration tests. They send and receive
 * real RTP over real ICE/DTLS/SRTP on 127.0.0.1; only the media content is synthetic.
 */
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpHeaderExtensionParameters,
  RtpHeader,
  RtpPacket,
  useH264,
  useOPUS,
  useSdesMid,
  useVP8,
  type PeerConfig,
} from 'werift';
import { PLAYOUT_DELAY_URI, readPlayoutDelay, type PlayoutDelay } from '../../server/sfu/playout-delay.js';
import { isKeyframeStart } from '../../server/sfu/video-frames.js';

/**
 * A full (non-lite) werift agent falls back to Google's STUN server when none is configured, so
 * the test clients name a STUN "server" on loopback that does not exist and bind to 127.0.0.1.
 */
export function loopbackClientConfig(): Partial<PeerConfig> {
  return {
    iceServers: [{ urls: 'stun:127.0.0.1:9' }],
    iceStunGatherTimeout: 0.2,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: { audio: [useOPUS()], video: [useVP8()] },
  };
}

export interface WeriftSession {
  pc: RTCPeerConnection;
  status: number;
  location: string | null;
  answer: string;
}

/** Offers (after gathering, loopback candidates only), POSTs to a WHIP/WHEP URL, applies a 201's answer. */
export async function postOffer(url: string, pc: RTCPeerConnection, headers: Record<string, string>): Promise<WeriftSession> {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        sub.unSubscribe();
        resolve();
      }
    });
  });
  const offer = pc.localDescription!.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\r\n');
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: offer });
  const answer = await res.text();
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return { pc, status: res.status, location: res.headers.get('location'), answer };
}

export interface TestPublisher extends WeriftSession {
  /** Starts sending ~30 fps of VP8-shaped video and 50 pps of Opus-shaped audio. */
  startMedia(): void;
  stop(): Promise<void>;
  /** Keyframe requests (PLI) the node sent us. */
  pliCount(): number;
}

export interface TestPublisherOptions {
  /** Answer a keyframe request with a keyframe in the next frame, as a browser's encoder does (default: only every 60th frame is one). */
  keyframeOnRequest?: boolean;
}

/** `path`: the WHIP endpoint, e.g. `/whip?resume=<id>` to continue a set. */
export async function publishWithWerift(
  baseUrl: string,
  token: string | undefined,
  path = '/whip',
  options: TestPublisherOptions = {},
): Promise<TestPublisher> {
  const pc = new RTCPeerConnection(loopbackClientConfig());
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const videoTransceiver = pc.addTransceiver(video, { direction: 'sendonly' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  let plis = 0;
  let keyframeRequested = false;
  videoTransceiver.sender.onPictureLossIndication.subscribe(() => {
    plis++;
    if (options.keyframeOnRequest) keyframeRequested = true;
  });
  const session = await postOffer(`${baseUrl}${path}`, pc, token ? { Authorization: `Bearer ${token}` } : {});
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let frame = 0;
  return {
    ...session,
    pliCount: () => plis,
    startMedia() {
      timer = setInterval(() => {
        frame++;
        const keyframe = frame % 60 === 1 || keyframeRequested;
        keyframeRequested = false;
        // VP8 payload descriptor (S=1) + a payload header whose P bit says key/delta frame.
        const vp8 = Buffer.concat([Buffer.from([0x10, keyframe ? 0x00 : 0x01]), Buffer.alloc(900, frame & 0xff)]);
        video.writeRtp(
          new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: frame * 3000, marker: true }), vp8),
        );
        for (let i = 0; i < 2; i++) {
          audio.writeRtp(
            new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: (frame * 2 + i) & 0xffff, timestamp: (frame * 2 + i) * 960 }), Buffer.alloc(80, 1)),
          );
        }
      }, 33);
    },
    async stop() {
      clearInterval(timer);
      await pc.close();
    },
  };
}

/** What a test viewer saw of one received packet. */
export interface ReceivedPacket {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  /** Video: the packet starts a keyframe. */
  keyframe: boolean;
  /** Date.now() on arrival. */
  at: number;
  /** The playout-delay hint the packet carried (only recorded with `offerPlayoutDelay`). */
  playoutDelay?: PlayoutDelay;
}

export interface TestViewer extends WeriftSession {
  packets: { audio: number; video: number };
  /** Every packet's header, in arrival order (tests are short). */
  received: { audio: ReceivedPacket[]; video: ReceivedPacket[] };
  /** Resolves once at least `n` packets of each kind arrived, or rejects after `timeoutMs`. */
  waitForPackets(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TestViewerOptions {
  /** Offer the playout-delay header extension, as Chromium does (and record what arrives in it). */
  offerPlayoutDelay?: boolean;
}

export async function playWithWerift(baseUrl: string, options: TestViewerOptions = {}): Promise<TestViewer> {
  const playoutDelay = new RTCRtpHeaderExtensionParameters({ uri: PLAYOUT_DELAY_URI });
  const pc = new RTCPeerConnection({
    ...loopbackClientConfig(),
    // A viewer can play what a browser can: VP8 (studio) or H.264 (OBS).
    codecs: { audio: [useOPUS()], video: [useVP8(), useH264()] },
    ...(options.offerPlayoutDelay ? { headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), playoutDelay] } } : {}),
  });
  const packets = { audio: 0, video: 0 };
  const received: TestViewer['received'] = { audio: [], video: [] };
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((packet) => {
      if (track.kind !== 'audio' && track.kind !== 'video') return;
      packets[track.kind]++;
      const { ssrc, sequenceNumber, timestamp } = packet.header;
      const keyframe = track.kind === 'video' && isKeyframeStart('video/VP8', packet.payload);
      // The id werift gave the extension in our offer (the answer keeps the offer's ids).
      const hint = options.offerPlayoutDelay ? packet.header.extensions.find((e) => e.id === playoutDelay.id) : undefined;
      received[track.kind].push({ ssrc, sequenceNumber, timestamp, keyframe, at: Date.now(), ...(hint ? { playoutDelay: readPlayoutDelay(hint.payload) } : {}) });
    });
  });
  const session = await postOffer(`${baseUrl}/whep`, pc, {});
  return {
    ...session,
    packets,
    received,
    async waitForPackets(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (packets.audio < n || packets.video < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for packets: ${JSON.stringify(packets)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await pc.close();
    },
  };
}
