/**
 * A micro-benchmark of the send fast path on its own (issue #9): the CPU this process spends per
 * packet per viewer when werift senders forward over real UDP sockets to a sink process, without
 * the viewers' peers, DTLS or RTCP around it. The `sendpath` bench section is the one that counts;
 * this one is quicker, and isolates the send path for comparing two versions of it.
 *
 *   node --import tsx test/bench/fastpath-micro.ts [mode] [seconds] [viewers]
 *
 * Modes: fast (forwardRtp with the fast path, the default), original (werift's sendRtp),
 * fast-nosend (the fast path with the socket's send a no-op: everything but dgram and the kernel),
 * sendonly (one prebuilt 3-part datagram per packet and viewer: dgram and the kernel alone).
 *
 * Senders are the unit tests' twins (test/unit/fast-path/werift-twins.ts) with their socket bound
 * and sending for real. Packets are paced like the sendpath publisher: 230 video packets of 1100
 * bytes and 50 audio packets of 120 bytes a second, each to every viewer. Prints CPU µs per packet
 * sent (user, system; the main thread and V8's helper threads), and GC pauses.
 * FASTPATH_MICRO_PROFILE=cm uses AES128_CM_HMAC_SHA1_80 instead of AEAD_AES_128_GCM.
 *
 * Tight loops mislead here: in one the same 20 senders stay in the CPU caches, and V8 frees
 * buffers on a helper thread that competes with the loop. Paced, as in the node, costs are higher.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Candidate, CandidatePair, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RTP_EXTENSION_URI, RtpHeader, RtpPacket } from 'werift';
import { forwardRtp, installFastPath, uninstallFastPath } from '../../server/sfu/werift-fast-path.js';
import { makeTwin, type Twin } from '../unit/fast-path/werift-twins.js';
import { sleep } from './stats.js';

const MODES = ['fast', 'original', 'fast-nosend', 'sendonly'] as const;
type Mode = (typeof MODES)[number];

/** Counts what it receives; `fork` with `-e` evaluates this instead of loading a module. */
const SINK = `
const socket = require('node:dgram').createSocket('udp4');
let count = 0;
socket.on('message', () => count++);
socket.bind(0, '127.0.0.1', () => process.send(socket.address().port));
process.on('message', () => process.send(count));
process.on('disconnect', () => process.exit(0));
`;

const mode: Mode = MODES.find((m) => m === process.argv[2]) ?? 'fast';
const seconds = Number(process.argv[3] ?? 10);
const viewerCount = Number(process.argv[4] ?? 20);
const profile = process.env.FASTPATH_MICRO_PROFILE === 'cm' ? ProtectionProfileAes128CmHmacSha1_80 : ProtectionProfileAeadAes128Gcm;

async function main(): Promise<void> {
  const sink = fork('-e', [SINK], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [sinkPort] = (await once(sink, 'message')) as [number];
  const twins = await Promise.all(Array.from({ length: viewerCount }, () => sendingTwin(sinkPort)));
  if (mode === 'original') uninstallFastPath();
  else installFastPath();
  if (mode === 'fast-nosend') for (const twin of twins) (twin.udp.socket as unknown as { send: () => void }).send = () => {};

  const parts = [Buffer.alloc(24), Buffer.alloc(1100), Buffer.alloc(16)];
  let sent = 0;
  const publisher = pacedPublisher((packet) => {
    if (mode === 'sendonly') for (const twin of twins) twin.udp.socket.send(parts, twin.pair.remoteCandidate.port, '127.0.0.1');
    else for (const twin of twins) forwardRtp(twin.sender, packet);
    sent += twins.length;
  });
  await sleep(2000); // JIT warm-up

  const sentBefore = sent;
  const threadsBefore = threadCpuMs();
  const cpuBefore = process.cpuUsage();
  const gc = gcPauses();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const gcMs = gc.stop();
  const mainThreadMs = (threadCpuMs().get(process.pid) ?? 0) - (threadsBefore.get(process.pid) ?? 0);
  const packets = sent - sentBefore;
  publisher.stop();

  sink.send('count');
  const [received] = (await once(sink, 'message')) as [number];
  const us = (micros: number) => (micros / packets).toFixed(2);
  const otherThreadsMicros = cpu.user + cpu.system - mainThreadMs * 1000;
  console.log(
    `${mode} ${profile === ProtectionProfileAeadAes128Gcm ? 'gcm' : 'cm'}: ${us(cpu.user + cpu.system)} µs/packet ` +
      `(user ${us(cpu.user)}, sys ${us(cpu.system)}; other threads ${us(otherThreadsMicros)}), GC pauses ${us(gcMs * 1000)}, ` +
      `${packets} packets to ${viewerCount} viewers in ${seconds} s, sink received ${received} in all`,
  );
  for (const twin of twins) twin.close();
  sink.disconnect();
}

/** A twin whose socket is bound and really sends, to the sink. */
async function sendingTwin(sinkPort: number): Promise<Twin> {
  const twin = makeTwin({
    profile,
    extensions: [
      { id: 1, uri: RTP_EXTENSION_URI.sdesMid },
      { id: 3, uri: RTP_EXTENSION_URI.absSendTime },
    ],
  });
  // makeTwin records datagrams with an own `send`; dgram's own is on the prototype.
  delete (twin.udp.socket as unknown as { send?: unknown }).send;
  const listening = once(twin.udp.socket, 'listening');
  twin.udp.socket.bind(0, '127.0.0.1');
  await listening;
  const pair = new CandidatePair(twin.pair.protocol, new Candidate('1', 1, 'udp', 1, '127.0.0.1', sinkPort, 'host'), false);
  (twin.dtls.iceTransport.connection as unknown as { nominated: CandidatePair }).nominated = pair;
  return { ...twin, pair };
}

/** sendpath-sender.ts's publisher: every frame due since the start, a backlog of over 100 ms skipped. */
function pacedPublisher(emit: (packet: RtpPacket) => void): { stop(): void } {
  const started = performance.now();
  let skippedMs = 0;
  let frames = 0;
  let audioFrames = 0;
  let videoSeq = 0;
  let audioSeq = 0;
  const tick = () => {
    let elapsed = performance.now() - started - skippedMs;
    const behindMs = elapsed - (frames * 1000) / 30;
    if (behindMs > 100) {
      skippedMs += behindMs;
      elapsed -= behindMs;
    }
    for (; frames < (elapsed * 30) / 1000; frames++) {
      const count = [8, 8, 7][frames % 3]!;
      for (let i = 0; i < count; i++) {
        const header = new RtpHeader({ payloadType: 96, sequenceNumber: videoSeq++ & 0xffff, timestamp: (frames * 3000) >>> 0, ssrc: 0x1111_1111, marker: i === count - 1 });
        emit(new RtpPacket(header, Buffer.alloc(1100, (frames + i) & 0xff)));
      }
    }
    for (; audioFrames < elapsed / 20; audioFrames++) {
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: audioSeq++ & 0xffff, timestamp: (audioFrames * 960) >>> 0, ssrc: 0x2222_2222 });
      emit(new RtpPacket(header, Buffer.alloc(120, audioFrames & 0xff)));
    }
  };
  const timer = setInterval(tick, 5);
  return { stop: () => clearInterval(timer) };
}

/** CPU ms so far of each of this process's threads, by thread id (the main thread's is the pid). */
function threadCpuMs(): Map<number, number> {
  const times = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks of 10 ms.
      times.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended
    }
  }
  return times;
}

function gcPauses(): { stop(): number } {
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) ms += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return ms;
    },
  };
}

await main();
