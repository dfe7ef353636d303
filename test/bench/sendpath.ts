/**
 * The `sendpath` section (issue #9, "Cut per-packet cost"): the CPU it takes to forward one RTP
 * packet to one werift viewer, with werift's own `sendRtp` ("original") and with the fast path
 * (server/sfu/werift-fast-path.ts), side by side in one run.
 *
 * - **Sender** (sendpath-sender.ts, its own process, the one measured): viewer-like werift peers
 *   built as the node builds them, fed by a synthetic publisher (~280 packets a second: 230 video
 *   of 1100 bytes, 50 audio). Every packet goes to every viewer through `forwardRtp`.
 * - **Viewers** (this process): plain werift peers on 127.0.0.1 that offer what a browser viewer
 *   offers werift (mid, and abs-send-time for video). They decrypt and count every packet, which
 *   shows that what the fast path sends is received.
 * - **Measure**: one window with the publisher stopped (idle: RTCP, timers), a warm-up of both
 *   paths, then original and fast in A B B A order, then B A A B, and so on for `rounds` rounds.
 *   For each window we record the sender's CPU time, the packets it forwarded and the packets
 *   the viewers received. µs per forwarded packet = (CPU − idle CPU for the window) / packets.
 *   `ratio` = fast / original.
 *
 * Knobs (environment): BENCH_SENDPATH_VIEWERS=20  BENCH_SENDPATH_ROUNDS=2  BENCH_SENDPATH_WINDOW_S=8
 * BENCH_SENDPATH_SETTLE_S=2. The defaults take about 2 minutes (more when the machine is busy).
 * SENDPATH_PROF=<dir>: the sender process writes a V8 CPU profile there (`--cpu-prof`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { RTCPeerConnection, useAbsSendTime, useOPUS, useSdesMid, useVP8 } from 'werift';
import { gatheringComplete } from '../../server/sfu/negotiate.js';
import { loopbackClientConfig } from '../helpers/werift-client.js';
import { measureWindow, udpSocketDrops } from './proc-stats.js';
import type { AddReply, ModeReply, SendPathReply, SendPathRequest, SenderWindow } from './sendpath-protocol.js';
import { log, round, sleep, withTimeout } from './stats.js';

export interface SendPathOptions {
  viewers: number;
  rounds: number;
  windowSeconds: number;
  settleSeconds: number;
}

export function sendPathOptionsFromEnv(): SendPathOptions {
  const env = (name: string, fallback: number) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    viewers: env('BENCH_SENDPATH_VIEWERS', 20),
    rounds: env('BENCH_SENDPATH_ROUNDS', 2),
    windowSeconds: env('BENCH_SENDPATH_WINDOW_S', 8),
    settleSeconds: env('BENCH_SENDPATH_SETTLE_S', 2),
  };
}

type Mode = 'original' | 'fast';

export interface SendPathWindow {
  mode: Mode | 'idle';
  round: number;
  seconds: number;
  /** The sender process, % of one core (its own CPU clock; /proc agrees within a tick). */
  cpuPercent: number;
  forwarded: number;
  /** Packets the viewers received during the window (decrypted by werift). */
  received: number;
  /** (CPU − idle CPU) / forwarded packets, µs; null for the idle window. */
  usPerPacket: number | null;
  /** Whole machine, % of all cores: how contended the window was. */
  machineBusyPercent: number;
}

export interface SendPathModeResult {
  /** Sum over the mode's windows: (CPU − idle) / forwarded packets, µs. */
  usPerPacket: number;
  /** The same without subtracting the idle CPU. */
  usPerPacketGross: number;
  /** Each window's µs per packet (the spread shows the noise). */
  windows: number[];
  forwarded: number;
  /** Received / forwarded in the mode's windows (approximate: packets in flight cross window edges). */
  delivered: number;
}

export interface SendPathBench {
  viewers: number;
  /** Forwarded packets a second per viewer (the publisher's rate). */
  packetsPerSecondPerViewer: number;
  windowSeconds: number;
  rounds: number;
  idleCpuPercent: number;
  /**
   * Packets the viewers received (and werift decrypted) / packets forwarded, over the whole run,
   * both paths: 1 when nothing was lost. A retransmission answering a NACK counts twice.
   */
  deliveredOverall: number;
  /** Datagrams the kernel dropped at the viewers' sockets (their process fell behind), whole run. */
  receiveBufferDrops: number;
  /**
   * Share of the forwarded packets neither received nor dropped at a socket: packets werift could
   * not decrypt or parse would show here. ≈ 0 (window edges and packets in flight aside).
   */
  unaccountedFor: number;
  original: SendPathModeResult;
  fast: SendPathModeResult;
  /** fast.usPerPacket / original.usPerPacket. */
  ratio: number;
  ratioGross: number;
  /** What every forwarded packet carries, as negotiated by the viewers' senders. */
  headerExtensions: Record<string, string[]>;
  /** SRTP profiles in use (7: AEAD_AES_128_GCM, 1: AES128_CM_HMAC_SHA1_80). */
  srtpProfiles: number[];
  windows: SendPathWindow[];
  machine: { busyPercentMean: number; loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
  seconds: number;
  warnings: string[];
}

export type SendPathResult = SendPathBench | { error: string };

/** Runs the whole section; a failure comes back as `{ error }` (the other sections' numbers stand). */
export async function runSendPathSection(options: SendPathOptions = sendPathOptionsFromEnv()): Promise<SendPathResult> {
  log(`sendpath: werift's sendRtp vs the fast path, ${options.viewers} viewers, ${options.rounds} rounds (ABBA, BAAB…) of windows of ${options.windowSeconds} s`);
  const sender = await startSender();
  const viewers: Viewer[] = [];
  try {
    return await measure(sender, viewers, options);
  } catch (error) {
    log(`sendpath: FAILED: ${(error as Error).message}`);
    return { error: (error as Error).message };
  } finally {
    await sender.request({ cmd: 'media', on: false }, 5000).catch(() => undefined);
    await Promise.all(viewers.map((v) => v.pc.close().catch(() => undefined)));
    await sender.close();
  }
}

async function measure(sender: SenderProcess, viewers: Viewer[], options: SendPathOptions): Promise<SendPathBench> {
  const started = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  // Join a few at a time: each join is a DTLS handshake on both sides.
  for (let i = 0; i < options.viewers; i += 5) {
    const batch = Array.from({ length: Math.min(5, options.viewers - i) }, () => joinViewer(sender));
    viewers.push(...(await Promise.all(batch)));
  }
  // On a busy machine a handshake can take a while; go on with those that made it.
  const connected = (v: Viewer) => v.pc.connectionState === 'connected';
  await withTimeout(waitFor(() => viewers.every(connected)), 30_000, 'every sendpath viewer to connect').catch(() => undefined);
  const late = viewers.filter((v) => !connected(v));
  if (late.length > viewers.length / 2) throw new Error(`only ${viewers.length - late.length} of ${viewers.length} sendpath viewers connected in 30 s`);
  for (const v of late) {
    viewers.splice(viewers.indexOf(v), 1);
    await sender.request({ cmd: 'remove', viewer: v.id }, 15_000);
    await v.pc.close().catch(() => undefined);
  }
  log(`sendpath: ${viewers.length} viewers connected${late.length ? ` (${late.length} did not in 30 s and were left out)` : ''}`);

  const samples: Sample[] = [];
  const received = () => viewers.reduce((sum, v) => sum + v.received, 0);
  const measureOne = async (mode: Mode | 'idle', roundIndex: number, idleCpuPercent: number): Promise<Sample> => {
    const before = received();
    await sender.request({ cmd: 'window-start' }, 15_000);
    const machine = await measureWindow({ sender: sender.pid }, options.windowSeconds);
    const w = await sender.request<SenderWindow>({ cmd: 'window-end' }, 15_000);
    if (mode !== 'idle' && w.fast !== (mode === 'fast')) throw new Error(`the sender was not in ${mode} mode throughout the window`);
    const netMicros = w.cpuMicros - (idleCpuPercent / 100) * w.seconds * 1e6;
    const window: SendPathWindow = {
      mode,
      round: roundIndex,
      seconds: round(w.seconds, 2),
      cpuPercent: round((w.cpuMicros / 1e6 / w.seconds) * 100, 2),
      forwarded: w.forwarded,
      received: received() - before,
      usPerPacket: mode === 'idle' || w.forwarded === 0 ? null : round(netMicros / w.forwarded, 2),
      machineBusyPercent: round(machine.machineBusyPercent, 0),
    };
    return { window, grossMicros: w.cpuMicros, netMicros };
  };

  const idle = (await measureOne('idle', 0, 0)).window;
  log(`sendpath: idle (no media) ${idle.cpuPercent}% of a core`);
  const receiveDrops = () => [...udpSocketDrops(process.pid).values()].reduce((sum, drops) => sum + drops, 0);
  const atStart = { received: received(), drops: receiveDrops(), ...(await sender.request<{ forwarded: number }>({ cmd: 'media', on: true }, 15_000)) };
  // Warm both paths up (JIT, buffer pools, the viewers' jitter buffers) before the first window.
  for (const fast of [false, true]) {
    await sender.request<ModeReply>({ cmd: 'mode', fast }, 15_000);
    await sleep(3000);
  }
  let modeInfo: ModeReply | undefined;
  for (let r = 1; r <= options.rounds; r++) {
    // A B B A, then B A A B: each path is as often first, last and in the middle.
    const order = r % 2 === 1 ? (['original', 'fast', 'fast', 'original'] as const) : (['fast', 'original', 'original', 'fast'] as const);
    for (const mode of order) {
      modeInfo = await sender.request<ModeReply>({ cmd: 'mode', fast: mode === 'fast' }, 15_000);
      if (mode === 'fast' && !modeInfo.fast) throw new Error('the fast path did not install in the sender (see its stderr)');
      await sleep(options.settleSeconds * 1000);
      const sample = await measureOne(mode, r, idle.cpuPercent);
      samples.push(sample);
      const w = sample.window;
      log(`sendpath: round ${r} ${mode.padEnd(8)} ${w.usPerPacket} µs/packet, sender ${w.cpuPercent}% of a core, ${w.forwarded} forwarded, ${w.received} received, machine ${w.machineBusyPercent}% busy`);
    }
  }

  // Every packet forwarded since the publisher started, against every packet the viewers got.
  const atStop = await sender.request<{ forwarded: number }>({ cmd: 'media', on: false }, 15_000);
  await sleep(1000);
  const forwardedOverall = atStop.forwarded - atStart.forwarded;
  const deliveredOverall = (received() - atStart.received) / forwardedOverall;
  const droppedOverall = receiveDrops() - atStart.drops;

  const original = modeResult(samples, 'original');
  const fast = modeResult(samples, 'fast');
  const measured = samples.map((sample) => sample.window);
  const seconds = measured.reduce((s, w) => s + w.seconds, 0);
  const result: SendPathBench = {
    viewers: viewers.length,
    packetsPerSecondPerViewer: round((original.forwarded + fast.forwarded) / viewers.length / seconds, 0),
    windowSeconds: options.windowSeconds,
    rounds: options.rounds,
    idleCpuPercent: idle.cpuPercent,
    deliveredOverall: round(deliveredOverall, 4),
    receiveBufferDrops: droppedOverall,
    unaccountedFor: round(1 - deliveredOverall - droppedOverall / forwardedOverall, 4),
    original,
    fast,
    ratio: round(fast.usPerPacket / original.usPerPacket, 3),
    ratioGross: round(fast.usPerPacketGross / original.usPerPacketGross, 3),
    headerExtensions: modeInfo?.headerExtensions ?? {},
    srtpProfiles: modeInfo?.srtpProfiles ?? [],
    windows: [idle, ...measured],
    machine: {
      busyPercentMean: round(measured.reduce((s, w) => s + w.machineBusyPercent, 0) / measured.length, 0),
      loadAverage1mAtStart: round(loadAtStart, 2),
      loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 2),
    },
    seconds: round((performance.now() - started) / 1000, 1),
    warnings: [],
  };
  if (late.length) result.warnings.push(`${late.length} of ${options.viewers} viewers did not connect in 30 s and were left out`);
  if (result.deliveredOverall < 0.99) {
    result.warnings.push(`the viewers received ${round(result.deliveredOverall * 100, 1)}% of the forwarded packets; ${droppedOverall} were dropped at their sockets (their process fell behind)`);
  }
  if (Math.abs(result.unaccountedFor) > 0.01) result.warnings.push(`${round(result.unaccountedFor * 100, 1)}% of the forwarded packets were neither received nor dropped at a socket`);
  if (result.machine.busyPercentMean >= 90) result.warnings.push(`machine ${result.machine.busyPercentMean}% busy on average: the numbers are contended`);
  log(`sendpath: ${sendPathSummary(result)}`);
  return result;
}

/** One measured window, with the CPU it took before and after taking off the idle share. */
interface Sample {
  window: SendPathWindow;
  grossMicros: number;
  netMicros: number;
}

function modeResult(samples: Sample[], mode: Mode): SendPathModeResult {
  const mine = samples.filter((sample) => sample.window.mode === mode);
  const sum = (value: (sample: Sample) => number) => mine.reduce((total, sample) => total + value(sample), 0);
  const forwarded = sum((sample) => sample.window.forwarded);
  return {
    usPerPacket: round(sum((sample) => sample.netMicros) / forwarded, 2),
    usPerPacketGross: round(sum((sample) => sample.grossMicros) / forwarded, 2),
    windows: mine.map((sample) => sample.window.usPerPacket ?? Number.NaN),
    forwarded,
    delivered: round(sum((sample) => sample.window.received) / forwarded, 4),
  };
}

export function sendPathSummary(r: SendPathResult): string {
  if ('error' in r) return `sendpath: FAILED (${r.error.split('\n')[0]})`;
  return `sendpath: µs per forwarded packet original ${r.original.usPerPacket}, fast ${r.fast.usPerPacket} (ratio ${r.ratio}); ${r.viewers} viewers × ${r.packetsPerSecondPerViewer} packets/s, machine ${r.machine.busyPercentMean}% busy`;
}

// ---- the viewers (this process) --------------------------------------------------------------------

interface Viewer {
  pc: RTCPeerConnection;
  /** The sender's id for its end of this viewer. */
  id: number;
  received: number;
}

/**
 * A werift viewer offering what a browser offers werift's viewer peer (mid; abs-send-time on
 * video). It sends receiver reports but no NACKs.
 */
async function joinViewer(sender: SenderProcess): Promise<Viewer> {
  const pc = new RTCPeerConnection({
    ...loopbackClientConfig(),
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
  });
  const viewer: Viewer = { pc, id: 0, received: 0 };
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.onTrack.subscribe((track) => {
    // werift's receiver NACKs each missing packet every 5 ms, 10 times (viewer-farm.ts): on a busy
    // machine that turns a few drops into a storm of retransmissions, which are not what we measure.
    for (const t of pc.getTransceivers()) Object.defineProperty(t.receiver, 'nackEnabled', { get: () => undefined, configurable: true });
    track.onReceiveRtp.subscribe(() => viewer.received++);
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, 2000);
  const offer = pc.localDescription!.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 ')).join('\r\n');
  const { viewer: id, answer } = await sender.request<AddReply>({ cmd: 'add', offer }, 15_000);
  viewer.id = id;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return viewer;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(50);
}

// ---- the sender process -----------------------------------------------------------------------------

type Command = SendPathRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface SenderProcess {
  pid: number;
  request<T>(command: Command, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

async function startSender(): Promise<SenderProcess> {
  const script = new URL('./sendpath-sender.ts', import.meta.url).pathname;
  // Its output goes to our stderr: our stdout carries only the results.
  const profile = process.env.SENDPATH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SENDPATH_PROF}`] : [];
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 2, 2, 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let ready: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (reply: SendPathReply) => {
    if (reply.id === 0) return ready();
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.result);
    else waiter?.reject(new Error(`sendpath sender: ${reply.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`sendpath sender exited (${code ?? signal})`));
    pending.clear();
  });
  try {
    await withTimeout(Promise.race([readyPromise, exited.then(() => Promise.reject(new Error('the sendpath sender exited at start')))]), 20_000, 'the sendpath sender to start');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const request = <T>(command: Command, timeoutMs: number): Promise<T> => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error('the sendpath sender is not running'));
    const id = nextId++;
    const reply = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    child.send({ ...command, id } as SendPathRequest);
    return withTimeout(reply, timeoutMs, `sendpath sender ${command.cmd}`).finally(() => pending.delete(id));
  };
  return {
    pid: child.pid!,
    request,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await request({ cmd: 'close' }, 5000).catch(() => undefined);
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
