/**
 * Cheap WHEP viewers (werift, no decoding) in their own process, driven by the bench over IPC.
 * Each viewer counts packets, bytes and RTP sequence numbers per SSRC, so the bench can derive the
 * bitrate each one receives and the loss (sequence gaps) without touching the node's process.
 *
 * Run as a child: `node --import tsx test/bench/viewer-farm.ts` with an IPC channel.
 */
import { RTCPeerConnection } from 'werift';
import { loopbackClientConfig } from '../helpers/werift-client.js';
import type { AddResult, FarmReply, FarmRequest, FarmSnapshot, SsrcCounters, StopResult } from './farm-protocol.js';

interface FarmViewer {
  index: number;
  pc: RTCPeerConnection;
  location: string | null;
  baseUrl: string;
  ssrcs: Map<number, SsrcCounters>;
}

const viewers: FarmViewer[] = [];
let nextIndex = 0;

function count(viewer: FarmViewer, kind: 'audio' | 'video', ssrc: number, seq: number, bytes: number): void {
  let c = viewer.ssrcs.get(ssrc);
  if (!c) {
    c = { ssrc, kind, packets: 0, bytes: 0, firstSeq: seq, maxSeq: seq };
    viewer.ssrcs.set(ssrc, c);
  } else {
    // Signed 16-bit distance from the highest sequence number seen: unwraps at 65535 → 0 and keeps
    // late (reordered or retransmitted) packets from moving the maximum back.
    const diff = ((seq - (c.maxSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (diff > 0) c.maxSeq += diff;
  }
  c.packets++;
  c.bytes += bytes;
}

async function addViewer(baseUrl: string, timeoutMs: number): Promise<{ viewer: FarmViewer; joinMs: number }> {
  const pc = new RTCPeerConnection(loopbackClientConfig());
  const viewer: FarmViewer = { index: nextIndex++, pc, location: null, baseUrl, ssrcs: new Map() };
  let firstVideo: (() => void) | undefined;
  const gotVideo = new Promise<void>((resolve) => (firstVideo = resolve));
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.onTrack.subscribe((track) => {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    track.onReceiveRtp.subscribe((packet) => {
      count(viewer, kind, packet.header.ssrc, packet.header.sequenceNumber, packet.header.payloadOffset + packet.payload.length);
      if (kind === 'video') firstVideo?.();
    });
  });
  viewers.push(viewer);
  const started = performance.now();
  const deadline = started + timeoutMs;
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, 2000);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    });
  });
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

async function closeViewer(viewer: FarmViewer): Promise<boolean> {
  let deleted = false;
  // werift sends no DTLS close alert: without the DELETE the node would keep the viewer until its
  // silence timeout.
  if (viewer.location) {
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

async function add(baseUrl: string, n: number, joinTimeoutMs: number): Promise<AddResult> {
  const result: AddResult = { joined: 0, failed: [], joinMs: [], total: 0 };
  // One at a time: the join cost is part of what the node pays, and bursts are another benchmark.
  for (let i = 0; i < n; i++) {
    const before = viewers.length;
    try {
      const { joinMs } = await addViewer(baseUrl, joinTimeoutMs);
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
    })),
  };
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
