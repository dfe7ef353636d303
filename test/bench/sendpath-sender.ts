/**
 * The process the `sendpath` section measures: viewer-like werift peers (the node's peerConfig
 * and negotiate(), sendonly, as server/sfu/viewer.ts builds them) fed by one synthetic publisher
 * (~230 video packets of 1100 bytes and 50 audio packets a second, shaped like PublisherTrack's
 * output: no header extensions, no padding). Each packet goes to each connected viewer through
 * `forwardRtp`. With the fast path uninstalled that is exactly today's
 * `sender.sendRtp(packet).catch(() => undefined)`.
 *
 * Run as a child: `node --import tsx test/bench/sendpath-sender.ts` with an IPC channel (sendpath.ts).
 */
import { RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, useVP8, type RTCRtpSender } from 'werift';
import { negotiate } from '../../server/sfu/negotiate.js';
import { forwardingCodecs, peerConfig } from '../../server/sfu/peer-config.js';
import { forwardRtp, installFastPath, uninstallFastPath } from '../../server/sfu/werift-fast-path.js';
import type { AddReply, ModeReply, SendPathReply, SendPathRequest, SenderWindow } from './sendpath-protocol.js';

type Kind = 'audio' | 'video';
const peers = new Map<number, RTCPeerConnection>();
let nextViewer = 1;
const listeners: Record<Kind, Array<(packet: RtpPacket) => void>> = { audio: [], video: [] };
const counters = { forwarded: 0, sourcePackets: 0 };
const source = { audio: useOPUS(), video: useVP8() };

async function addViewer(offer: string): Promise<AddReply> {
  const pc = new RTCPeerConnection(peerConfig({ hostAddresses: ['127.0.0.1'] }, forwardingCodecs(source)));
  const viewer = nextViewer++;
  peers.set(viewer, pc);
  const answer = await negotiate(pc, offer, {
    candidateAddresses: ['127.0.0.1'],
    beforeAnswer: (peer) => {
      for (const transceiver of peer.getTransceivers()) transceiver.setDirection('sendonly');
    },
  });
  for (const transceiver of pc.getTransceivers()) {
    const kind = transceiver.kind;
    if ((kind !== 'audio' && kind !== 'video') || !transceiver.sender.codec) continue;
    const sender = transceiver.sender;
    listeners[kind].push((packet) => {
      if (pc.connectionState !== 'connected') return;
      forwardRtp(sender, packet);
      counters.forwarded++;
    });
  }
  return { viewer, answer };
}

// ---- the synthetic publisher ----------------------------------------------------------------------
const VIDEO_FPS = 30;
/** 23 packets per 3 frames: 230 video packets a second, ~2 Mbit/s of 1100-byte payloads. */
const VIDEO_PACKETS = [8, 8, 7];
const AUDIO_INTERVAL_MS = 20;
let media: NodeJS.Timeout | undefined;
const stream = { videoSeq: 0, audioSeq: 0, frame: 0, audioFrame: 0, startedAt: 0, framesAtStart: 0, audioFramesAtStart: 0 };

function emit(kind: Kind, packet: RtpPacket): void {
  counters.sourcePackets++;
  for (const listener of listeners[kind]) listener(packet);
}

function sendVideoFrame(): void {
  const count = VIDEO_PACKETS[stream.frame % VIDEO_PACKETS.length]!;
  const keyframe = stream.frame % 60 === 0;
  for (let i = 0; i < count; i++) {
    const payload = Buffer.alloc(1100, (stream.frame + i) & 0xff);
    // VP8 payload descriptor: S on the frame's first packet; P bit clear on a keyframe's.
    payload[0] = i === 0 ? 0x10 : 0x00;
    payload[1] = keyframe ? 0x00 : 0x01;
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: stream.videoSeq++ & 0xffff, timestamp: (stream.frame * 3000) >>> 0, ssrc: 0x1111_1111, marker: i === count - 1 });
    emit('video', new RtpPacket(header, payload));
  }
  stream.frame++;
}

function sendAudioFrame(): void {
  const header = new RtpHeader({ payloadType: 111, sequenceNumber: stream.audioSeq++ & 0xffff, timestamp: (stream.audioFrame * 960) >>> 0, ssrc: 0x2222_2222 });
  stream.audioFrame++;
  emit('audio', new RtpPacket(header, Buffer.alloc(120, stream.audioFrame & 0xff)));
}

/**
 * Sends every frame due since the start, so the rate holds whatever the timer's jitter. After a
 * stall (a starved process) of more than a second the backlog is skipped, not sent in one burst.
 */
function tick(): void {
  const elapsed = performance.now() - stream.startedAt;
  const framesBehind = stream.framesAtStart + (elapsed * VIDEO_FPS) / 1000 - stream.frame;
  if (framesBehind > VIDEO_FPS) {
    stream.framesAtStart -= Math.floor(framesBehind);
    stream.audioFramesAtStart -= Math.floor((framesBehind * 1000) / VIDEO_FPS / AUDIO_INTERVAL_MS);
  }
  while (stream.frame - stream.framesAtStart < (elapsed * VIDEO_FPS) / 1000) sendVideoFrame();
  while (stream.audioFrame - stream.audioFramesAtStart < elapsed / AUDIO_INTERVAL_MS) sendAudioFrame();
}

function setMedia(on: boolean): void {
  clearInterval(media);
  media = undefined;
  if (!on) return;
  stream.startedAt = performance.now();
  stream.framesAtStart = stream.frame;
  stream.audioFramesAtStart = stream.audioFrame;
  media = setInterval(tick, 5);
}

// ---- measuring ------------------------------------------------------------------------------------
let openWindow: { cpu: NodeJS.CpuUsage; at: number; forwarded: number; sourcePackets: number; fast: boolean } | undefined;
let fast = false;

function setMode(wantFast: boolean): ModeReply {
  if (wantFast) fast = installFastPath();
  else {
    uninstallFastPath();
    fast = false;
  }
  const senders = [...peers.values()].flatMap((pc) => pc.getTransceivers().map((t) => t.sender));
  return { fast, headerExtensions: negotiatedExtensions(senders), srtpProfiles: [...new Set(senders.map(srtpProfile).filter((p) => p !== undefined))] };
}

function negotiatedExtensions(senders: RTCRtpSender[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const sender of senders) {
    const uris = (sender as unknown as { headerExtensions: Array<{ uri: string }> }).headerExtensions.map((e) => e.uri);
    out[sender.kind] ??= uris;
  }
  return out;
}

function srtpProfile(sender: RTCRtpSender): number | undefined {
  return sender.dtlsTransport?.srtp?.localContext?.profile;
}

async function handle(request: SendPathRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'add':
      return addViewer(request.offer);
    case 'remove':
      // Its forwarders stay subscribed but skip a peer that is not connected.
      await peers.get(request.viewer)?.close();
      peers.delete(request.viewer);
      return null;
    case 'media':
      setMedia(request.on);
      return { forwarded: counters.forwarded };
    case 'mode':
      return setMode(request.fast);
    case 'window-start':
      openWindow = { cpu: process.cpuUsage(), at: performance.now(), ...counters, fast };
      return null;
    case 'window-end': {
      const started = openWindow;
      if (!started) throw new Error('no window started');
      const cpu = process.cpuUsage(started.cpu);
      const result: SenderWindow = {
        seconds: (performance.now() - started.at) / 1000,
        cpuMicros: cpu.user + cpu.system,
        forwarded: counters.forwarded - started.forwarded,
        sourcePackets: counters.sourcePackets - started.sourcePackets,
        fast: started.fast && fast,
      };
      openWindow = undefined;
      return result;
    }
    case 'close':
      setMedia(false);
      await Promise.all([...peers.values()].map((pc) => pc.close().catch(() => undefined)));
      peers.clear();
      setTimeout(() => process.exit(0), 100);
      return null;
  }
}

if (!process.send) {
  process.stderr.write('sendpath-sender: run me as a child process with an IPC channel (see sendpath.ts)\n');
  process.exit(2);
}
process.on('message', (message: SendPathRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies SendPathReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: String((error as Error)?.stack ?? error) } satisfies SendPathReply),
  );
});
// The bench went away: leave with it.
process.on('disconnect', () => process.exit(0));
process.send({ id: 0, ok: true, result: 'ready' } satisfies SendPathReply);
