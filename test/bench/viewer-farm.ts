/**
 * Cheap WHEP viewers (werift, no decoding) in their own process, driven by the bench over IPC.
 * Each viewer counts packets, bytes and RTP sequence numbers per SSRC, so the bench can derive the
 * bitrate each one receives and the loss (sequence gaps) without touching the node's process.
 *
 * Lost video packets are asked for again as Chromium's NackRequester does: at once, then every
 * 100 ms (its RTT when it has none measured, as for a receive-only peer), at most 10 times.
 * werift's own receiver NACKs every missing packet every 5 ms, 10 times: on a full link each loss
 * then comes back as up to 10 retransmissions into the same queue, which no browser audience does.
 *
 * Run as a child: `node --import tsx test/bench/viewer-farm.ts` with an IPC channel.
 */
import { GenericNack, RTCPeerConnection, RtcpTransportLayerFeedback } from 'werift';
import { loopbackClientConfig } from '../helpers/werift-client.js';
import type { AddResult, FarmReply, FarmRequest, FarmSnapshot, SsrcCounters, StopResult } from './farm-protocol.js';
import { janusWatch, type JanusWatch } from './janus-viewer.js';
import { gatheringComplete } from '../../server/sfu/negotiate.js';

interface FarmViewer {
  index: number;
  pc: RTCPeerConnection;
  location: string | null;
  baseUrl: string;
  ssrcs: Map<number, SsrcCounters>;
  /** A Janus Streaming viewer (the bench's `janus` section) instead of a WHEP one. */
  janus?: JanusWatch;
  /** Video packets still missing, per SSRC: extended sequence number → when last NACKed (0: not yet) and how often. */
  missing: Map<number, Map<number, { sentAt: number; tries: number }>>;
  /** NACK packets sent, and sequence numbers asked for in them. */
  nacks: number;
  nackedPackets: number;
}

const viewers: FarmViewer[] = [];
let nextIndex = 0;

/**
 * The frame size, when `payload` is the first packet of a VP8 keyframe (RFC 7741 payload
 * descriptor, then RFC 6386 §9.1's frame tag, start code and sizes); otherwise undefined. Read here
 * rather than taken from the node, so the bench checks the node instead of repeating it.
 */
function vp8KeyframeSize(payload: Uint8Array): { width: number; height: number } | undefined {
  const b0 = payload[0];
  // S bit set and partition index 0: the start of a frame.
  if (b0 === undefined || (b0 & 0x10) === 0 || (b0 & 0x07) !== 0) return undefined;
  let i = 1;
  if (b0 & 0x80) {
    const x = payload[i++];
    if (x === undefined) return undefined;
    if (x & 0x80) i += (payload[i] ?? 0) & 0x80 ? 2 : 1; // picture id, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID / KEYIDX
  }
  if (payload.length < i + 10) return undefined;
  if ((payload[i]! & 0x01) !== 0) return undefined; // P bit: 0 for a keyframe
  if (payload[i + 3] !== 0x9d || payload[i + 4] !== 0x01 || payload[i + 5] !== 0x2a) return undefined;
  const width = (payload[i + 6]! | (payload[i + 7]! << 8)) & 0x3fff;
  const height = (payload[i + 8]! | (payload[i + 9]! << 8)) & 0x3fff;
  return { width, height };
}

/** Chromium's NackRequester: re-send a NACK after its RTT (100 ms without a measurement), give up after 10. */
const NACK_RESEND_MS = 100;
const NACK_MAX_TRIES = 10;
/** At most this many missing packets tracked per SSRC (Chromium: 1000), and none older than 10000. */
const NACK_MAX_MISSING = 1000;
const NACK_MAX_AGE = 10_000;

function noteMissing(viewer: FarmViewer, ssrc: number, from: number, to: number): void {
  let missing = viewer.missing.get(ssrc);
  if (!missing) viewer.missing.set(ssrc, (missing = new Map()));
  for (let ext = Math.max(from, to - NACK_MAX_MISSING); ext < to; ext++) missing.set(ext, { sentAt: 0, tries: 0 });
  // Map keeps insertion order: the oldest go first.
  for (const ext of missing.keys()) {
    if (missing.size <= NACK_MAX_MISSING && ext >= to - NACK_MAX_AGE) break;
    missing.delete(ext);
  }
}

/** Every 20 ms (Chromium processes NACKs every 20 ms too): NACKs for what is due, per viewer and SSRC. */
function sendDueNacks(): void {
  const now = performance.now();
  for (const viewer of viewers) {
    for (const [ssrc, missing] of viewer.missing) {
      const due: number[] = [];
      for (const [ext, entry] of missing) {
        if (entry.sentAt !== 0 && now - entry.sentAt < NACK_RESEND_MS) continue;
        due.push(ext & 0xffff);
        entry.sentAt = now;
        if (++entry.tries >= NACK_MAX_TRIES) missing.delete(ext);
      }
      if (due.length === 0) continue;
      const receiver = viewer.pc.getTransceivers().find((t) => t.kind === 'video')?.receiver;
      if (!receiver?.dtlsTransport) continue;
      const nack = new GenericNack({ senderSsrc: receiver.rtcpSsrc, mediaSourceSsrc: ssrc, lost: due });
      receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback: nack })]).catch(() => undefined);
      viewer.nacks++;
      viewer.nackedPackets += due.length;
    }
  }
}
setInterval(sendDueNacks, 20).unref();

function count(viewer: FarmViewer, kind: 'audio' | 'video', ssrc: number, seq: number, bytes: number, payload?: Uint8Array): void {
  let c = viewer.ssrcs.get(ssrc);
  if (!c) {
    c = { ssrc, kind, packets: 0, bytes: 0, firstSeq: seq, maxSeq: seq };
    viewer.ssrcs.set(ssrc, c);
  } else {
    // Signed 16-bit distance from the highest sequence number seen: unwraps at 65535 → 0 and keeps
    // late (reordered or retransmitted) packets from moving the maximum back.
    const diff = ((seq - (c.maxSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (kind === 'video' && diff > 1) noteMissing(viewer, ssrc, c.maxSeq + 1, c.maxSeq + diff);
    if (kind === 'video' && diff <= 0) viewer.missing.get(ssrc)?.delete(c.maxSeq + diff);
    if (diff > 0) c.maxSeq += diff;
  }
  c.packets++;
  c.bytes += bytes;
  const size = payload && vp8KeyframeSize(payload);
  if (size) {
    c.keyframes = (c.keyframes ?? 0) + 1;
    c.width = size.width;
    c.height = size.height;
  }
}

/**
 * A viewer whose every received RTP packet is counted (WHEP and Janus viewers alike). ICE on
 * 127.0.0.1, or on `iceAddress` (one of this machine's own: datagrams to it stay on lo).
 */
function newViewer(baseUrl: string, iceAddress?: string): { viewer: FarmViewer; gotVideo: Promise<void> } {
  const config = loopbackClientConfig();
  const pc = new RTCPeerConnection(iceAddress ? { ...config, iceInterfaceAddresses: { udp4: iceAddress }, iceAdditionalHostAddresses: [] } : config);
  const viewer: FarmViewer = { index: nextIndex++, pc, location: null, baseUrl, ssrcs: new Map(), missing: new Map(), nacks: 0, nackedPackets: 0 };
  let firstVideo: (() => void) | undefined;
  const gotVideo = new Promise<void>((resolve) => (firstVideo = resolve));
  pc.onTrack.subscribe((track) => {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    // werift's own NACKs off (they would come on top of ours): its receiver asks `nackEnabled` per packet.
    for (const t of pc.getTransceivers()) {
      if (t.kind === 'video') Object.defineProperty(t.receiver, 'nackEnabled', { get: () => undefined, configurable: true });
    }
    track.onReceiveRtp.subscribe((packet) => {
      count(viewer, kind, packet.header.ssrc, packet.header.sequenceNumber, packet.header.payloadOffset + packet.payload.length, kind === 'video' ? packet.payload : undefined);
      if (kind === 'video') firstVideo?.();
    });
  });
  return { viewer, gotVideo };
}

async function addViewer(baseUrl: string, timeoutMs: number): Promise<{ viewer: FarmViewer; joinMs: number }> {
  const { viewer, gotVideo } = newViewer(baseUrl);
  const { pc } = viewer;
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  viewers.push(viewer);
  const started = performance.now();
  const deadline = started + timeoutMs;
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, 2000);
  const offer = pc
    .localDescription!.sdp.split('\r\n')
    .filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 '))
    .join('\r\n');
  const postStart = performance.now();
  const res = await fetch(`${baseUrl}/whep`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: offer,
    signal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now()))),
  });
  const answer = await res.text();
  viewer.location = res.headers.get('location');
  if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${answer.slice(0, 200)}`);
  const answeredAt = performance.now();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      gotVideo,
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          const audio = [...viewer.ssrcs.values()].filter((c) => c.kind === 'audio').reduce((n, c) => n + c.packets, 0);
          const waited = Math.round(performance.now() - postStart);
          reject(
            new Error(
              `no video packet ${waited} ms after POST (answer after ${Math.round(answeredAt - postStart)} ms; connection ${pc.connectionState}, ICE ${pc.iceConnectionState}; ${audio} audio packets)`,
            ),
          );
        }, Math.max(1, deadline - performance.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { viewer, joinMs: performance.now() - postStart };
}

/** A viewer of Janus's Streaming mountpoint `mountpoint` (janus-viewer.ts); join = create → first video packet. */
async function addJanusViewer(apiUrl: string, mountpoint: number, iceAddress: string, timeoutMs: number): Promise<{ viewer: FarmViewer; joinMs: number }> {
  const { viewer, gotVideo } = newViewer(apiUrl, iceAddress);
  viewers.push(viewer);
  const started = performance.now();
  const deadline = started + timeoutMs;
  viewer.janus = await janusWatch(viewer.pc, { apiUrl, mountpoint, deadline, candidateAddress: iceAddress });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      gotVideo,
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          const audio = [...viewer.ssrcs.values()].filter((c) => c.kind === 'audio').reduce((n, c) => n + c.packets, 0);
          reject(new Error(`no video packet from janus ${Math.round(performance.now() - started)} ms after create (connection ${viewer.pc.connectionState}, ICE ${viewer.pc.iceConnectionState}; ${audio} audio packets)`));
        }, Math.max(1, deadline - performance.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { viewer, joinMs: performance.now() - started };
}

async function closeViewer(viewer: FarmViewer): Promise<boolean> {
  let deleted = false;
  // werift sends no DTLS close alert: without the DELETE the node would keep the viewer until its
  // silence timeout.
  if (viewer.janus) deleted = await viewer.janus.close();
  else if (viewer.location) {
    try {
      const res = await fetch(new URL(viewer.location, viewer.baseUrl), { method: 'DELETE', signal: AbortSignal.timeout(3000) });
      deleted = res.status === 200;
    } catch {
      deleted = false;
    }
  }
  await Promise.race([viewer.pc.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
  return deleted;
}

async function add(
  baseUrl: string,
  n: number,
  joinTimeoutMs: number,
  join: (timeoutMs: number) => Promise<{ joinMs: number }> = (timeoutMs) => addViewer(baseUrl, timeoutMs),
): Promise<AddResult> {
  const result: AddResult = { joined: 0, failed: [], joinMs: [], total: 0 };
  // One at a time: the join cost is part of what the node pays, and bursts are another benchmark.
  for (let i = 0; i < n; i++) {
    const before = viewers.length;
    try {
      const { joinMs } = await join(joinTimeoutMs);
      result.joined++;
      result.joinMs.push(joinMs);
    } catch (error) {
      const viewer = viewers[before];
      result.failed.push({ index: viewer?.index ?? -1, error: (error as Error).message });
      if (viewer) {
        viewers.splice(before, 1);
        await closeViewer(viewer);
      }
    }
  }
  result.total = viewers.length;
  return result;
}

function snapshot(): FarmSnapshot {
  return {
    at: performance.now(),
    viewers: viewers.map((v) => ({
      index: v.index,
      state: v.pc.connectionState,
      ssrcs: [...v.ssrcs.values()].map((c) => ({ ...c })),
      nacks: v.nacks,
      nackedPackets: v.nackedPackets,
    })),
  };
}

/** Closes the `count` newest viewers, all at once. */
async function removeNewest(count: number): Promise<StopResult> {
  const gone = viewers.splice(Math.max(0, viewers.length - count));
  const results = await Promise.all(gone.map(closeViewer));
  return { deleted: results.filter(Boolean).length, deleteFailures: results.filter((ok) => !ok).length };
}

async function stopAll(): Promise<StopResult> {
  const all = viewers.splice(0);
  const results = await Promise.all(all.map(closeViewer));
  return { deleted: results.filter(Boolean).length, deleteFailures: results.filter((ok) => !ok).length };
}

async function handle(request: FarmRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'add':
      return add(request.baseUrl, request.count, request.joinTimeoutMs);
    case 'addJanus':
      return add(request.apiUrl, request.count, request.joinTimeoutMs, (timeoutMs) => addJanusViewer(request.apiUrl, request.mountpoint, request.iceAddress, timeoutMs));
    case 'remove':
      return removeNewest(request.count);
    case 'snapshot':
      return snapshot();
    case 'stop':
      return stopAll();
  }
}

if (!process.send) {
  process.stderr.write('viewer-farm: run me as a child process with an IPC channel (see farm-client.ts)\n');
  process.exit(2);
}
process.on('message', (message: FarmRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies FarmReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: String((error as Error)?.stack ?? error) } satisfies FarmReply),
  );
});
// The bench went away (crash, kill): leave with it, best-effort DELETEs first.
process.on('disconnect', () => {
  void Promise.race([stopAll(), new Promise((r) => setTimeout(r, 3000))]).finally(() => process.exit(0));
});
process.send({ id: 0, ok: true, result: 'ready' } satisfies FarmReply);
