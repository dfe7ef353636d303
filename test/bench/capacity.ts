/**
 * The `capacity` section (issue #9, benchmark 1): how many viewers the node serves before it breaks.
 *
 * - **Node**: `curbcast serve` as the sweep runs it (recording its set, as a busker's does, unless
 *   `recording: false`), plus `--forwarding-threads <n>` when `forwardingThreads` is set (absent: the
 *   flag is not passed, so nodes without it run).
 * - **Publisher**: a file-fed fake camera — the `janus` section's source (janus-source.ts): the noisy
 *   720p30 testsrc2 camera encoded once to VP8 ~2 Mbit/s (+ Opus), replayed in real time by
 *   `ffmpeg -re -c copy -f rtp` into a werift WHIP publisher in this process. Not the studio page:
 *   Chromium's live VP8 encode costs ~60% of one of this machine's 2 cores, which the node and the
 *   viewers need here; its own cost is the `sweep`/`simulcast` sections'.
 * - **Viewers**: werift WHEP viewers that count packets and sequence gaps, no decoding
 *   (viewer-farm.ts), spread over several farm processes (`viewersPerFarm` each at most, started as
 *   N grows) so that no single farm event loop is the limit.
 * - **Loop**: a 0-viewer window, then N raised through `steps` (one join at a time; settle; one
 *   window) until the window's viewer loss > `lossLimitPercent`, or the node's process CPU (all its
 *   threads, % of ONE core) > `cpuLimitPercentPerThread` × threads used (1 + the forwarding threads
 *   the node reports in GET /api/admin/gauges — or, from a node that reports none, the
 *   `--forwarding-threads` asked for — at most the cores), or the machine is full and starves the node (machine ≥ 95% busy and the node's
 *   threads waited ≥ `starveWaitPercent` of the window on a run queue). A crossing is measured once
 *   more at the same N before it counts (another engineer's burst is not the node's limit); then the
 *   gap to the last good N is bisected (viewers removed or added) while it is wider than
 *   `bisectMinGap` and the time allows. Hard stops: `maxViewers` and `budgetSeconds` (a step that
 *   would not fit is not started), both in the result.
 * - **Derived**, from the windows below every limit: CPU per viewer = least-squares slope of node CPU
 *   over N (0 included: the publisher's fixed cost is the intercept, not charged to viewers), viewers
 *   per core = 100 / slope, RSS per viewer = slope of RSS over the rising windows; the farm's CPU per
 *   viewer the same way; what the rest of the machine used (publisher, others) in each window.
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startViewerFarm, type ViewerFarm } from './farm-client.js';
import type { FarmSnapshot } from './farm-protocol.js';
import { leastSquaresSlope } from './janus.js';
import { encodeSource, startSourceRelay, type EncodedSource, type RelayCounters, type SourceRelay } from './janus-source.js';
import { renice } from './load.js';
import { startNodeProcess, summariseNodeLog, type NodeLogSummary, type NodeProcess } from './node-process.js';
import { ipv6NeighborSolicitations, measureWindow, nonLoopbackTxPackets, threadStats, threadWindow, type DropDelta } from './proc-stats.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';
import { combinedFarmRates, farmRates, nodeViewers } from './sweep.js';
import { benchSection, type BenchSection } from './section.js';

export interface CapacityOptions {
  tmp: string;
  token: string;
  /** Viewer counts to try, ascending (filtered to ≤ maxViewers; maxViewers is added as the last). */
  steps: number[];
  /** Hard cap on N. */
  maxViewers: number;
  /** Hard cap on the loop's time, seconds (after encode and start): a step that would not fit is not started. */
  budgetSeconds: number;
  /** Loss limit: the window's viewer loss (all viewers, after retransmissions) above this stops. */
  lossLimitPercent: number;
  /** CPU limit per node thread, % of one core: the node stops at this × threads used. */
  cpuLimitPercentPerThread: number;
  /** `--forwarding-threads <n>` for the node; null: not passed (nodes before the option). */
  forwardingThreads: number | null;
  /** The node records its set (the default a busker runs) unless false (then `--no-recording`). */
  recording: boolean;
  viewersPerFarm: number;
  /** The farm processes' nice value (null: unchanged). */
  farmNice: number | null;
  /** Stop when the machine is ≥ 95% busy and the node's threads waited this % of the window for a CPU. */
  starveWaitPercent: number;
  /**
   * Before each window, wait (at most `quietMaxWaitSeconds`) until other people's processes use less than
   * `quietOthersPercent` of a core over 2 s: the machine is shared, and a window in someone's burst measures them.
   */
  quietOthersPercent: number;
  quietMaxWaitSeconds: number;
  /** Bisect while last good and first over are further apart than this. */
  bisectMinGap: number;
  settleSeconds: number;
  windowSeconds: number;
  joinTimeoutMs: number;
  source: { width: number; height: number; fps: number; seconds: number; noise: number; videoKbps: number };
}

export type Limit = 'loss' | 'node-cpu' | 'machine';

export interface CapacityPoint {
  phase: 'baseline' | 'ramp' | 'confirm' | 'bisect';
  requestedViewers: number;
  viewers: number;
  /** Seconds since the loop began, at the end of the window. */
  atSeconds: number;
  /** The node process, all threads, % of ONE core. */
  nodeCpuPercent: number;
  nodeRssMB: number;
  nodeRssPeakMB: number;
  /** The node's busiest thread (its main thread, without forwarding threads), % of one core. */
  nodeBusiestThread: { name: string; cpuPercent: number } | null;
  nodeBusyThreads: number;
  /** The node's threads' run-queue wait, % of the window: CPU it wanted while others held the cores. */
  nodeWaitPercent: number;
  perViewerKbps: number;
  perViewerVideoKbps: number;
  forwardedPacketsPerSecond: number;
  /**
   * Missing sequence numbers / expected, over the viewers that received anything (werift viewers NACK:
   * what stayed lost). A viewer that received nothing has nothing "expected": see lossWithStalledPercent.
   */
  lossPercent: number;
  /**
   * The loss the limit is held to: as lossPercent, with each viewer that received no video in the
   * window counted as having lost everything the publisher sent in it (100% loss for that viewer).
   */
  lossWithStalledPercent: number;
  worstViewerLossPercent: number;
  stalledViewers: number;
  disconnectedViewers: number;
  farm: {
    processes: number;
    /** All farm processes together, % of one core. */
    cpuPercent: number;
    /** The busiest farm process, % of one core (100: its event loop is the limit). */
    maxProcessCpuPercent: number;
    waitPercent: number;
  };
  /** The publisher: the WHIP relay in the bench process (plus the bench's own bookkeeping) and ffmpeg, % of one core. */
  publisherCpuPercent: { bench: number; ffmpeg: number };
  /** Everything else on the machine (other people's work, kernel threads), % of one core. */
  otherCpuPercent: number;
  /** The whole machine, % of all cores. */
  machineBusyPercent: number;
  inputKbps: number;
  udpDrops: { node: DropDelta; farm: DropDelta; machine: number };
  windowSeconds: number;
  joinMs: Distribution | null;
  joinFailures: string[];
  nodeReportedViewers: number | null;
  /**
   * Forwarding threads the node reported (GET /api/admin/gauges → sfu.forwarding) at the end of the
   * window; null: the node reports none (a node without forwarding threads).
   */
  forwardingThreads: number | null;
  /** Event-loop utilisation in the window, % (main thread, each forwarding thread), and viewers on each thread; null: not reported. */
  eventLoopPercent: { main: number; threads: number[]; viewersPerThread: number[] } | null;
  /** The CPU limit this window was held to: cpuLimitPercentPerThread × threads used, % of one core. */
  cpuLimitPercent: number;
  /** Limits this window crossed (empty: it met them all). */
  over: Limit[];
  /**
   * False when the window says nothing about viewers: the publisher's connection was gone or the node
   * was no longer live (then every viewer starves, whatever N is). Such windows stop the loop and are not fitted.
   */
  valid: boolean;
  invalidReason: string | null;
  /** The quiet gate before the window: seconds waited, and other people's CPU (% of a core) in its last 2 s probe. */
  quietGate: { waitedSeconds: number; othersPercent: number };
}

export interface CapacityFit {
  /** Windows used: every one below every limit (0 included). */
  points: number;
  viewersRange: [number, number];
  /** Least-squares slope of node CPU over N, % of one core per viewer. */
  cpuPerViewerPercent: number | null;
  /** The fit's CPU at N = 0: the publisher's and the node's fixed cost. */
  cpuInterceptPercent: number | null;
  cpuR2: number | null;
  /** 100 / cpuPerViewerPercent. */
  viewersPerCore: number | null;
  /** Where the line reaches the CPU limit: the N the node alone would serve if nothing else held it back (an extrapolation). */
  viewersAtCpuLimit: number | null;
  /**
   * The node's busiest thread (the forwarding thread, when there is one) over N, % of one core per viewer,
   * and where its line reaches cpuLimitPercentPerThread: one thread cannot use more than one core.
   */
  busiestThreadCpuPerViewerPercent: number | null;
  viewersAtThreadLimit: number | null;
  /** Least-squares slope of RSS over N, rising windows only, MB per viewer. */
  rssPerViewerMB: number | null;
  rssInterceptMB: number | null;
  /** The farm's CPU over N (all its processes), % of one core per viewer. */
  farmCpuPerViewerPercent: number | null;
  /** (CPU − fit) at each window, for the record. */
  cpuResiduals: Array<{ viewers: number; residual: number }>;
}

export interface CapacityBenchResult {
  seconds: number;
  config: Omit<CapacityOptions, 'tmp' | 'token'> & { nodeArgs: string[]; cores: number; loadAverage1mAtStart: number };
  limits: {
    lossPercent: number;
    /** cpuLimitPercentPerThread × threadsUsed, % of one core. */
    nodeCpuPercent: number;
    threadsUsed: number;
    rule: string;
    maxViewers: number;
    budgetSeconds: number;
  };
  input: { method: string; file: Omit<EncodedSource, 'path'>; sentKbps: number; sentPacketsPerSecond: number; plis: number };
  points: CapacityPoint[];
  /** What ended the loop. */
  /**
   * 'contended': a limit was crossed only while other people's processes held ≥ quietOthersPercent of a
   * core, in every retry: the machine's other users, not the node or the farm, were what the window measured.
   */
  stoppedBy: Limit | 'max-viewers' | 'time-budget' | 'joins-failed' | 'publisher-lost' | 'contended';
  /** The lowest N whose window crossed a limit (confirmed), and which; null when none did. */
  firstOver: { viewers: number; limits: Limit[] } | null;
  /** The highest N below firstOver whose window met both conditions (0: none did). */
  lastGoodViewers: number;
  fit: CapacityFit;
  /** In words: what the limit was, and whether it was the node's. */
  diagnosis: string[];
  /** Why viewers left (the node's 'viewer closed' lines) and its first warnings and errors. */
  nodeLog: NodeLogSummary;
  nonLoopbackTx: { packets: number; ipv6NeighborSolicitations: number };
  warnings: string[];
}

export type CapacityBench = CapacityBenchResult | { error: string };

export type CapacitySection = BenchSection<CapacityBench>;

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** Least-squares line y = a + b x, and R²; null with fewer than two distinct x. */
export function linearFit(points: Array<{ x: number; y: number }>): { slope: number; intercept: number; r2: number } | null {
  const slope = leastSquaresSlope(points);
  if (slope === null) return null;
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  const intercept = my - slope * mx;
  const ssTot = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const ssRes = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  return { slope, intercept, r2: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}

function relayDelta(a: RelayCounters, b: RelayCounters, seconds: number) {
  const bytes = b.videoBytes - a.videoBytes + (b.audioBytes - a.audioBytes);
  const packets = b.videoPackets - a.videoPackets + (b.audioPackets - a.audioPackets);
  return { kbps: seconds > 0 ? (bytes * 8) / 1000 / seconds : 0, pps: seconds > 0 ? packets / seconds : 0 };
}

/** GET /api/admin/gauges → sfu.forwarding (docs/diagnostics.md). */
export interface ForwardingGauges {
  threads: Array<{ index: number; viewers: number; eventLoop: { activeMs: number; idleMs: number } }>;
  main: { activeMs: number; idleMs: number };
}

/** The node's forwarding threads and event-loop times; null from a node that has none to report (or does not answer in 5 s). */
export async function forwardingGauges(baseUrl: string, token: string): Promise<ForwardingGauges | null> {
  try {
    const res = await fetch(`${baseUrl}/api/admin/gauges`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    return ((await res.json()) as { sfu?: { forwarding?: ForwardingGauges } }).sfu?.forwarding ?? null;
  } catch {
    return null;
  }
}

type EventLoopTime = { activeMs: number; idleMs: number };

/** Event-loop use between two readings, % (NaN when no time passed). */
function eventLoopPercent(a: EventLoopTime | undefined, b: EventLoopTime): number {
  const active = b.activeMs - (a?.activeMs ?? 0);
  const all = active + (b.idleMs - (a?.idleMs ?? 0));
  return all > 0 ? round((active / all) * 100, 1) : Number.NaN;
}

/** Event-loop use of the main thread and each forwarding thread between two gauges readings, and the viewers on each thread at the second. */
export function eventLoopWindow(a: ForwardingGauges | null, b: ForwardingGauges): { main: number; threads: number[]; viewersPerThread: number[] } {
  return {
    main: eventLoopPercent(a?.main, b.main),
    threads: b.threads.map((t) => eventLoopPercent(a?.threads.find((x) => x.index === t.index)?.eventLoop, t.eventLoop)),
    viewersPerThread: b.threads.map((t) => t.viewers),
  };
}

/**
 * Loss with each viewer that received no video in the window counted as having lost everything the
 * publisher sent in it: a stalled viewer has no sequence numbers to miss.
 */
export function lossWithStalledPercent(audience: { expected: number; lost: number; stalledViewers: number }, relayA: RelayCounters, relayB: RelayCounters): number {
  const inputPackets = relayB.videoPackets - relayA.videoPackets + (relayB.audioPackets - relayA.audioPackets);
  const missed = audience.stalledViewers * inputPackets;
  return audience.expected + missed > 0 ? ((audience.lost + missed) / (audience.expected + missed)) * 100 : 0;
}

/**
 * Waits until other people's processes use less than `quietOthersPercent` of a core (2 s probes, the
 * pids in `ownPids` not counted), at most `maxWaitSeconds` (re-read each probe): the machine is shared,
 * and a window in someone's burst measures them.
 */
export async function waitForQuiet(options: { ownPids: () => Record<string, number>; quietOthersPercent: number; maxWaitSeconds: () => number; label: string }) {
  const cores = cpus().length;
  const t0 = performance.now();
  let othersPercent = 0;
  let said = false;
  for (;;) {
    const w = await measureWindow(options.ownPids(), 2);
    const mine = Object.values(w.cpuPercent).reduce((a, b) => a + b, 0);
    othersPercent = Math.max(0, (w.machineBusyPercent / 100) * cores * 100 - mine);
    const waited = (performance.now() - t0) / 1000;
    if (othersPercent < options.quietOthersPercent || waited >= options.maxWaitSeconds()) break;
    if (!said) log(`${options.label}: other processes at ${Math.round(othersPercent)}% of a core: waiting up to ${Math.round(options.maxWaitSeconds())} s for them to drop below ${options.quietOthersPercent}%`);
    said = true;
  }
  return { waitedSeconds: round((performance.now() - t0) / 1000, 1), othersPercent: round(othersPercent, 0) };
}

const sumDrops = (drops: DropDelta[]): DropDelta => ({
  total: drops.reduce((s, d) => s + d.total, 0),
  worstSocket: Math.max(0, ...drops.map((d) => d.worstSocket)),
  socketsWithDrops: drops.reduce((s, d) => s + d.socketsWithDrops, 0),
});

export function capacitySection(options: CapacityOptions): CapacitySection {
  let node: NodeProcess | undefined;
  let relay: SourceRelay | undefined;
  const farms: Array<{ farm: ViewerFarm; viewers: number }> = [];

  const cleanup = async () => {
    const all = farms.splice(0);
    await Promise.all(
      all.map(async ({ farm }) => {
        await withTimeout(farm.stopViewers(), 15_000, 'stopping viewers').catch(() => undefined);
        await farm.close().catch(() => undefined);
      }),
    );
    const r = relay;
    relay = undefined;
    await r?.close().catch(() => undefined);
    const n = node;
    node = undefined;
    await n?.stop(10_000).catch(() => undefined);
  };
  const killNow = () => {
    relay?.killNow();
    node?.killNow();
    for (const { farm } of farms) farm.killNow();
  };

  async function run(): Promise<CapacityBench> {
    const started = performance.now();
    const cores = cpus().length;
    const loadAverage1mAtStart = round(loadavg()[0] ?? 0, 2);
    const warnings: string[] = [];
    const o = options;
    const steps = [...new Set([...o.steps.filter((n) => n > 0 && n < o.maxViewers), o.maxViewers])].sort((a, b) => a - b);
    /** Node threads that forward: the main one plus the forwarding threads (reported, else asked for), at most the cores. */
    const threadsFor = (reported: number | null) => Math.max(1, Math.min(cores, 1 + (reported ?? o.forwardingThreads ?? 0)));
    const ruleFor = (reported: number | null) => {
      const threads = threadsFor(reported);
      const how =
        reported !== null
          ? `main + ${reported} forwarding thread${reported === 1 ? '' : 's'} the node reports${o.forwardingThreads === null ? ' (its default; no --forwarding-threads passed)' : ` (--forwarding-threads ${o.forwardingThreads})`}`
          : o.forwardingThreads === null
            ? 'main thread only: no --forwarding-threads passed and the node reports no forwarding threads'
            : `main + --forwarding-threads ${o.forwardingThreads} (the node reports none)`;
      return `loss > ${o.lossLimitPercent}% or node CPU > ${o.cpuLimitPercentPerThread}% × ${threads} thread${threads === 1 ? '' : 's'} = ${o.cpuLimitPercentPerThread * threads}% of one core (${how}; at most ${cores} cores)`;
    };
    log(`capacity: hard caps ${o.maxViewers} viewers and ${o.budgetSeconds} s; steps ${steps.join(', ')}; ≤ ${o.viewersPerFarm} viewers per farm process`);

    const dir = join(o.tmp, 'capacity');
    mkdirSync(dir, { recursive: true });
    const s = o.source;
    log(`capacity: encoding the file-fed camera (${s.width}x${s.height} ${s.fps} fps, VP8 ${s.videoKbps} kbit/s + Opus, ${s.seconds} s, looped)`);
    const source = encodeSource(dir, s);
    log(`capacity: source ${source.videoKbps} kbit/s video + ${source.audioKbps} kbit/s audio`);

    mkdirSync(join(dir, 'node-data'), { recursive: true });
    // The node's own cap on viewers (150 by default) lifted above the sweep's.
    const nodeArgs = ['--max-viewers', String(o.maxViewers + 10), ...(o.recording ? [] : ['--no-recording']), ...(o.forwardingThreads === null ? [] : ['--forwarding-threads', String(o.forwardingThreads)])];
    const liveNode = (node = await startNodeProcess({ dataDir: join(dir, 'node-data'), token: o.token, extraArgs: nodeArgs }));
    log(`capacity: node pid ${liveNode.pid} on ${liveNode.baseUrl}${nodeArgs.length ? ` (${nodeArgs.join(' ')})` : ''}`);
    const tx0 = nonLoopbackTxPackets();
    const ns0 = ipv6NeighborSolicitations();
    // The relay's werift publisher rewrites payload types to what Curbcast negotiated: ffmpeg's are the Janus mountpoint's.
    const pub = (relay = await startSourceRelay({ source, baseUrl: liveNode.baseUrl, token: o.token, videoPayloadType: 96, audioPayloadType: 111, label: 'capacity' }));
    const status = await fetch(`${liveNode.baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json() as Promise<{ live?: boolean }>);
    if (!status.live) throw new Error('the node does not say live after the WHIP publisher connected');
    const forwarding = () => forwardingGauges(liveNode.baseUrl, o.token);
    /** The forwarding threads the node last reported (a starved node may not answer in a window: the last answer stands). */
    let lastReported: number | null = (await forwarding())?.threads.length ?? null;
    const reportedAtStart = lastReported;
    log(`capacity: until ${ruleFor(reportedAtStart)}; the machine full (≥ 95% busy, node waiting ≥ ${o.starveWaitPercent}% for a CPU) stops it too`);

    const addFarm = async () => {
      const farm = await startViewerFarm();
      if (o.farmNice !== null) renice(farm.pid, o.farmNice);
      farms.push({ farm, viewers: 0 });
      log(`capacity: viewer farm ${farms.length} pid ${farm.pid}`);
    };
    await addFarm();
    // Warm-up: the first idle window otherwise catches the node still settling after start (JIT, first GCs).
    await sleep(8000);

    const total = () => farms.reduce((s, f) => s + f.viewers, 0);
    /** Adds or removes viewers until `target` (least-loaded farm first; a new farm when all are full). */
    const moveTo = async (target: number): Promise<{ joinMs: number[]; failed: string[] }> => {
      const joinMs: number[] = [];
      const failed: string[] = [];
      const allowedFailures = Math.max(3, Math.ceil((target - total()) * 0.1));
      // Joins stop when the rest of the budget is only enough for this step's settle and window.
      while (total() < target && failed.length < allowedFailures && elapsed() + o.settleSeconds + o.windowSeconds + 4 < o.budgetSeconds) {
        let f = farms.filter((x) => x.viewers < o.viewersPerFarm).sort((a, b) => a.viewers - b.viewers)[0];
        if (!f) {
          await addFarm();
          f = farms.at(-1)!;
        }
        // Chunks of 5, to the least-loaded farm: the farms stay even.
        const count = Math.min(5, target - total(), o.viewersPerFarm - f.viewers);
        const added = await f.farm.add(liveNode.baseUrl, count, o.joinTimeoutMs);
        f.viewers = added.total;
        joinMs.push(...added.joinMs);
        failed.push(...added.failed.map((x) => x.error));
        if (liveNode.exited) throw new Error(`the node exited while viewers joined:\n${liveNode.logTail()}`);
      }
      while (total() > target) {
        const f = [...farms].sort((a, b) => b.viewers - a.viewers)[0]!;
        const count = Math.min(f.viewers, total() - target, 10);
        const removed = await f.farm.remove(count);
        f.viewers -= count;
        if (removed.deleteFailures) warnings.push(`${removed.deleteFailures} WHEP DELETEs failed stepping down to ${target} viewers`);
      }
      return { joinMs, failed };
    };

    const loopStarted = performance.now();
    const elapsed = () => (performance.now() - loopStarted) / 1000;
    const points: CapacityPoint[] = [];
    const relay0 = pub.counters();

    const ownPids = () => {
      const ffmpegPid = pub.ffmpegPid();
      const pids: Record<string, number> = { node: liveNode.pid, bench: process.pid, ...(ffmpegPid ? { ffmpeg: ffmpegPid } : {}) };
      farms.forEach((f, i) => (pids[`farm${i}`] = f.farm.pid));
      return pids;
    };
    /** Waits until other people's processes use < quietOthersPercent of a core, at most quietMaxWaitSeconds and never past the budget. */
    const quietGate = () =>
      waitForQuiet({
        ownPids,
        quietOthersPercent: o.quietOthersPercent,
        // What is left of the budget, less the window, is the most it waits.
        maxWaitSeconds: () => Math.min(o.quietMaxWaitSeconds, o.budgetSeconds - elapsed() - o.windowSeconds - 2),
        label: 'capacity',
      });

    const measure = async (phase: CapacityPoint['phase'], requestedViewers: number, joined: { joinMs: number[]; failed: string[] } | null): Promise<CapacityPoint> => {
      const gate = await quietGate();
      const snapsA: FarmSnapshot[] = await Promise.all(farms.map((f) => f.farm.snapshot()));
      const relayA = pub.counters();
      const pids = ownPids();
      const gaugesA = await forwarding();
      const nodeThreadsA = threadStats(liveNode.pid);
      const farmThreadsA = farms.map((f) => threadStats(f.farm.pid));
      const t0 = performance.now();
      const window = await measureWindow(pids, o.windowSeconds);
      const seconds = (performance.now() - t0) / 1000;
      const nodeThreads = threadWindow(nodeThreadsA, threadStats(liveNode.pid), seconds);
      const farmWait = farms.reduce((s, f, i) => s + threadWindow(farmThreadsA[i]!, threadStats(f.farm.pid), seconds).waitPercent, 0);
      const gaugesB = await forwarding();
      const snapsB: FarmSnapshot[] = await Promise.all(farms.map((f) => f.farm.snapshot()));
      const relayB = pub.counters();
      const eventLoopPercent = gaugesB ? eventLoopWindow(gaugesA, gaugesB) : null;
      if (gaugesB) lastReported = gaugesB.threads.length;
      else if (lastReported !== null) warnings.push(`the node did not answer GET /api/admin/gauges after the window at ${snapsB.reduce((n, x) => n + x.viewers.length, 0)} viewers (its last answer, ${lastReported} forwarding thread(s), stands)`);
      const reportedThreads = lastReported;
      const cpuLimit = o.cpuLimitPercentPerThread * threadsFor(reportedThreads);
      const input = relayDelta(relayA, relayB, window.seconds);

      // Each farm's rates over its own clock, then added up.
      const audience = combinedFarmRates(snapsB.map((b, i) => farmRates(snapsA[i]!, b)));
      const viewers = audience.viewers;
      const farmCpus = farms.map((_, i) => window.cpuPercent[`farm${i}`] ?? 0);
      const farmCpu = farmCpus.reduce((a, b) => a + b, 0);
      const nodeCpu = window.cpuPercent.node!;
      const benchCpu = window.cpuPercent.bench ?? 0;
      const ffmpegCpu = window.cpuPercent.ffmpeg ?? 0;
      const lossPercent = audience.lossPercent;
      const stalled = audience.stalledViewers;
      const lossWithStalled = lossWithStalledPercent(audience, relayA, relayB);
      const machineBusy = window.machineBusyPercent;
      const over: Limit[] = [];
      const publisherState = pub.curbcastState();
      const live = await fetch(`${liveNode.baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) })
        .then((r) => r.json() as Promise<{ live?: boolean }>)
        .then((x) => x.live ?? null)
        .catch(() => null);
      const invalidReason = publisherState !== 'connected' ? `the WHIP publisher's connection was ${publisherState}` : live === false ? 'the node was no longer live' : null;
      // The baseline is the fit's anchor, not a step: it is never "over" (a contended one is warned about).
      if (requestedViewers > 0 && !invalidReason) {
        if (lossWithStalled > o.lossLimitPercent) over.push('loss');
        if (nodeCpu > cpuLimit) over.push('node-cpu');
        if (machineBusy >= 95 && nodeThreads.waitPercent >= o.starveWaitPercent) over.push('machine');
      }
      const point: CapacityPoint = {
        phase,
        requestedViewers,
        viewers,
        atSeconds: round(elapsed(), 1),
        nodeCpuPercent: round(nodeCpu, 1),
        nodeRssMB: round(window.rssMB.node!, 0),
        nodeRssPeakMB: round(window.rssPeakMB.node!, 0),
        nodeBusiestThread: nodeThreads.busiestThread ? { name: nodeThreads.busiestThread.name, cpuPercent: round(nodeThreads.busiestThread.cpuPercent, 1) } : null,
        nodeBusyThreads: nodeThreads.busyThreads,
        nodeWaitPercent: round(nodeThreads.waitPercent, 1),
        perViewerKbps: round(audience.perViewerKbps, 0),
        perViewerVideoKbps: round(audience.perViewerVideoKbps, 0),
        forwardedPacketsPerSecond: round(audience.forwardedPacketsPerSecond, 0),
        lossPercent: round(lossPercent, 3),
        lossWithStalledPercent: round(lossWithStalled, 3),
        worstViewerLossPercent: round(audience.worstViewerLossPercent, 2),
        stalledViewers: audience.stalledViewers,
        disconnectedViewers: audience.disconnectedViewers,
        farm: { processes: farms.length, cpuPercent: round(farmCpu, 1), maxProcessCpuPercent: round(Math.max(0, ...farmCpus), 1), waitPercent: round(farmWait, 1) },
        publisherCpuPercent: { bench: round(benchCpu, 1), ffmpeg: round(ffmpegCpu, 1) },
        otherCpuPercent: round(Math.max(0, (machineBusy / 100) * cores * 100 - nodeCpu - farmCpu - benchCpu - ffmpegCpu), 1),
        machineBusyPercent: round(machineBusy, 0),
        inputKbps: round(input.kbps, 0),
        udpDrops: { node: window.udpDrops.node!, farm: sumDrops(farms.map((_, i) => window.udpDrops[`farm${i}`]!)), machine: window.udpRcvbufErrors },
        windowSeconds: round(window.seconds, 2),
        joinMs: joined && joined.joinMs.length ? distribution(joined.joinMs) : null,
        joinFailures: joined ? joined.failed.slice(0, 5) : [],
        nodeReportedViewers: await nodeViewers(liveNode.baseUrl),
        forwardingThreads: reportedThreads,
        eventLoopPercent,
        cpuLimitPercent: cpuLimit,
        over,
        valid: invalidReason === null,
        invalidReason,
        quietGate: gate,
      };
      points.push(point);
      log(
        `capacity:   ${phase} ${point.viewers} viewers: node ${point.nodeCpuPercent}% CPU (busiest thread ${point.nodeBusiestThread?.cpuPercent ?? '?'}%, waited ${point.nodeWaitPercent}%), ${point.nodeRssMB} MB; loss ${point.lossPercent}%${stalled ? ` (${stalled} viewers got nothing: ${point.lossWithStalledPercent}%)` : ''}; ` +
          `farm ${point.farm.cpuPercent}% in ${point.farm.processes}; publisher ${round(benchCpu + ffmpegCpu, 1)}%; others ${point.otherCpuPercent}%; machine ${point.machineBusyPercent}%${eventLoopPercent ? `; event loops main ${eventLoopPercent.main}%${eventLoopPercent.threads.length ? ` threads ${eventLoopPercent.threads.join('/')}%` : ''}` : ''}${over.length ? ` → OVER (${over.join(', ')})` : ''}${invalidReason ? ` → INVALID (${invalidReason})` : ''}${gate.waitedSeconds >= 2.5 ? ` [waited ${gate.waitedSeconds} s for quiet]` : ''}`,
      );
      if (liveNode.exited) throw new Error(`the node exited:\n${liveNode.logTail()}`);
      if (invalidReason) warnings.push(`${invalidReason} after the window at ${point.viewers} viewers (others used ${point.otherCpuPercent}% of a core, the machine ${point.machineBusyPercent}% busy): the loop stops there`);
      return point;
    };

    /** Seconds a step to `target` would take: joins at the pace seen so far, settle, window, bookkeeping. */
    let joinSecondsEach = 0.4;
    const stepSeconds = (target: number) => Math.max(0, target - total()) * joinSecondsEach + o.settleSeconds + o.windowSeconds + 4;
    const fits = (target: number) => elapsed() + stepSeconds(target) <= o.budgetSeconds;
    const step = async (phase: CapacityPoint['phase'], target: number) => {
      const t0 = performance.now();
      const before = total();
      const joined = await moveTo(target);
      if (target > before && joined.joinMs.length) joinSecondsEach = Math.max(0.1, (performance.now() - t0) / 1000 / (target - before));
      await sleep(o.settleSeconds * 1000);
      return measure(phase, target, joined);
    };

    log('capacity: 0 viewers (the publisher alone)');
    const baseline = await measure('baseline', 0, null);
    let stoppedBy: CapacityBenchResult['stoppedBy'] = 'max-viewers';
    let firstOver: CapacityBenchResult['firstOver'] = null;
    if (!baseline.valid) throw new Error(`no baseline: ${baseline.invalidReason}`);
    for (const target of steps) {
      if (!fits(target)) {
        log(`capacity: ${target} viewers would not fit the ${o.budgetSeconds} s budget (${Math.round(elapsed())} s used, ~${Math.round(stepSeconds(target))} s needed); stopping`);
        stoppedBy = 'time-budget';
        break;
      }
      log(`capacity: ${target} viewers`);
      let point = await step('ramp', target);
      if (!point.valid) {
        stoppedBy = 'publisher-lost';
        break;
      }
      if (point.viewers < target * 0.95 && point.joinFailures.length > 0 && point.over.length === 0) {
        // Joins failing with every joined viewer served: the farm's or the join path's limit, not a loss/CPU one.
        warnings.push(`${target} viewers requested, ${point.viewers} joined: ${point.joinFailures.slice(0, 2).join('; ')}`);
        stoppedBy = 'joins-failed';
        break;
      }
      // Once more at the same N before it counts; up to 3 times more while no crossing window so far can be
      // told from other people's work. A crossing counts when, in its window, other processes used less than
      // quietOthersPercent of a core, or when the machine was that quiet just before the window (the viewers
      // were already failing before anyone else's burst began).
      const contended = (p: CapacityPoint) => p.otherCpuPercent >= o.quietOthersPercent;
      const counts = (p: CapacityPoint) => p.over.length > 0 && (!contended(p) || p.quietGate.othersPercent < o.quietOthersPercent);
      const crossings: CapacityPoint[] = point.over.length > 0 ? [point] : [];
      for (let tries = 0; point.over.length > 0 && tries < 4 && (tries === 0 || !crossings.some(counts)); tries++) {
        if (elapsed() + o.windowSeconds + 2 > o.budgetSeconds) break;
        log(`capacity: over (${point.over.join(', ')}) at ${point.viewers}${tries ? ` with others at ${point.otherCpuPercent}% of a core` : ''}: measuring again`);
        const again = await measure('confirm', target, null);
        if (!again.valid) break;
        if (again.over.length === 0) warnings.push(`at ${point.viewers} viewers a window crossed (${point.over.join(', ')}) and the next did not: counted as passing`);
        else crossings.push(again);
        point = again;
      }
      if (points.at(-1)?.valid === false) {
        stoppedBy = 'publisher-lost';
        break;
      }
      if (point.over.length > 0 && !crossings.some(counts)) {
        log(`capacity: over at ${point.viewers} only while other processes used ${point.otherCpuPercent}% of a core: not counted as the node's limit; stopping`);
        stoppedBy = 'contended';
        break;
      }
      if (point.over.length > 0 && crossings.some(contended)) {
        warnings.push(`at ${point.viewers} viewers other processes used up to ${Math.max(...crossings.map((p) => p.otherCpuPercent))}% of a core in the crossing windows (the first began on a quiet machine): the limit stands, its numbers are contended`);
      }
      if (point.over.length > 0) {
        firstOver = { viewers: point.viewers, limits: point.over };
        stoppedBy = point.over[0]!;
        break;
      }
    }

    // Bisect between the last good N and the first over.
    const good = () => Math.max(0, ...points.filter((p) => p.valid && p.over.length === 0 && (!firstOver || p.viewers < firstOver.viewers)).map((p) => p.viewers));
    if (firstOver) {
      for (let i = 0; i < 4; i++) {
        const lo = good();
        const hi = firstOver.viewers;
        if (hi - lo <= o.bisectMinGap) break;
        let mid = Math.round((lo + hi) / 2 / 5) * 5;
        if (mid <= lo || mid >= hi) mid = Math.floor((lo + hi) / 2);
        if (!fits(mid)) {
          log(`capacity: no time left to bisect ${lo}–${hi}`);
          break;
        }
        log(`capacity: bisecting ${lo}–${hi}: ${mid} viewers`);
        const p = await step('bisect', mid);
        if (!p.valid) {
          stoppedBy = 'publisher-lost';
          break;
        }
        if (p.over.length > 0 && p.otherCpuPercent >= o.quietOthersPercent) {
          warnings.push(`bisecting: ${p.viewers} viewers crossed (${p.over.join(', ')}) while other processes used ${p.otherCpuPercent}% of a core: not counted, bisecting stopped`);
          break;
        }
        if (p.over.length > 0) firstOver = { viewers: p.viewers, limits: p.over };
      }
      if (stoppedBy !== 'publisher-lost') stoppedBy = firstOver.limits[0]!;
    }

    const measuredSeconds = elapsed();
    const sent = relayDelta(relay0, pub.counters(), measuredSeconds);
    const plis = pub.plis();
    await cleanup();
    const nonLoopbackTx = { packets: nonLoopbackTxPackets() - tx0, ipv6NeighborSolicitations: ipv6NeighborSolicitations() - ns0 };
    const nodeLog = summariseNodeLog(join(dir, 'node-data'));

    // ---- derived -------------------------------------------------------------------------------
    const reported = lastReported;
    const threadsUsed = threadsFor(reported);
    const cpuLimit = o.cpuLimitPercentPerThread * threadsUsed;
    const rule = ruleFor(reported);
    if (new Set(points.map((p) => p.forwardingThreads)).size > 1) warnings.push(`the node's forwarding threads changed during the loop: ${points.map((p) => p.forwardingThreads ?? '-').join(', ')}`);
    const lastGoodViewers = good();
    const passing = points.filter((p) => p.valid && p.over.length === 0 && (p.phase === 'baseline' || p.viewers >= p.requestedViewers) && (!firstOver || p.viewers < firstOver.viewers));
    const cpuFit = linearFit(passing.map((p) => ({ x: p.viewers, y: p.nodeCpuPercent })));
    // RSS only from the way up: after viewers leave, the heap keeps what it grew.
    const rising = passing.filter((p) => p.phase === 'baseline' || p.phase === 'ramp' || p.phase === 'confirm');
    const rssFit = linearFit(rising.map((p) => ({ x: p.viewers, y: p.nodeRssMB })));
    const threadFit = linearFit(passing.filter((p) => p.nodeBusiestThread).map((p) => ({ x: p.viewers, y: p.nodeBusiestThread!.cpuPercent })));
    const farmFit = linearFit(passing.map((p) => ({ x: p.viewers, y: p.farm.cpuPercent })));
    const fit: CapacityFit = {
      points: passing.length,
      viewersRange: [Math.min(...passing.map((p) => p.viewers)), Math.max(...passing.map((p) => p.viewers))],
      cpuPerViewerPercent: cpuFit ? round(cpuFit.slope, 3) : null,
      cpuInterceptPercent: cpuFit ? round(cpuFit.intercept, 1) : null,
      cpuR2: cpuFit ? round(cpuFit.r2, 3) : null,
      viewersPerCore: cpuFit && cpuFit.slope > 0 ? Math.round(100 / cpuFit.slope) : null,
      viewersAtCpuLimit: cpuFit && cpuFit.slope > 0 ? Math.round((cpuLimit - cpuFit.intercept) / cpuFit.slope) : null,
      busiestThreadCpuPerViewerPercent: threadFit ? round(threadFit.slope, 3) : null,
      viewersAtThreadLimit: threadFit && threadFit.slope > 0 ? Math.round((o.cpuLimitPercentPerThread - threadFit.intercept) / threadFit.slope) : null,
      rssPerViewerMB: rssFit ? round(rssFit.slope, 3) : null,
      rssInterceptMB: rssFit ? round(rssFit.intercept, 0) : null,
      farmCpuPerViewerPercent: farmFit ? round(farmFit.slope, 3) : null,
      cpuResiduals: cpuFit ? passing.map((p) => ({ viewers: p.viewers, residual: round(p.nodeCpuPercent - (cpuFit.intercept + cpuFit.slope * p.viewers), 1) })) : [],
    };

    const diagnosis: string[] = [];
    const at = firstOver ? points.filter((p) => p.viewers === firstOver!.viewers && p.over.length > 0).at(-1) : undefined;
    const lastGoodPoint = passing.filter((p) => p.viewers === lastGoodViewers).at(-1);
    if (!firstOver) {
      diagnosis.push(
        stoppedBy === 'time-budget'
          ? `No limit reached before the ${o.budgetSeconds} s budget ran out: at least ${lastGoodViewers} viewers.`
          : stoppedBy === 'joins-failed'
            ? `Viewers stopped joining before any limit: at least ${lastGoodViewers} viewers.`
            : stoppedBy === 'contended'
              ? `The loop stopped without establishing a limit: at ${points.at(-1)?.viewers ?? '?'} viewers every window crossed (${points.at(-1)?.over.join(', ') ?? '?'}) while other people's processes used ${points.at(-1)?.otherCpuPercent ?? '?'}% of a core (the machine ${points.at(-1)?.machineBusyPercent ?? '?'}% busy, the node waiting ${points.at(-1)?.nodeWaitPercent ?? '?'}% of the window for a CPU): at least ${lastGoodViewers} viewers, the rest is the shared machine's.`
              : stoppedBy === 'publisher-lost'
              ? `The loop stopped before any limit because the set was lost (${points.find((p) => !p.valid)?.invalidReason ?? '?'} at ${points.find((p) => !p.valid)?.viewers ?? '?'} viewers, the machine ${points.find((p) => !p.valid)?.machineBusyPercent ?? '?'}% busy, others at ${points.find((p) => !p.valid)?.otherCpuPercent ?? '?'}% of a core): at least ${lastGoodViewers} viewers.`
              : `No limit reached up to the cap of ${o.maxViewers} viewers.`,
      );
    } else if (at) {
      const why: string[] = [];
      if (at.over.includes('loss')) {
        const src = at.udpDrops.farm.total > at.udpDrops.node.total ? `the farm's sockets dropped ${at.udpDrops.farm.total} datagrams (the test viewers fell behind)` : at.udpDrops.node.total > 0 ? `the node's sockets dropped ${at.udpDrops.node.total} datagrams (the node fell behind reading)` : 'no socket drops on either side';
        why.push(`viewer loss ${at.lossWithStalledPercent}% > ${o.lossLimitPercent}%${at.stalledViewers ? ` (${at.stalledViewers} of ${at.viewers} viewers received no video; ${at.disconnectedViewers} not connected; the node counted ${at.nodeReportedViewers ?? '?'} viewers)` : ''} (${src})`);
      }
      if (at.over.includes('node-cpu')) why.push(`node CPU ${at.nodeCpuPercent}% of a core > ${at.cpuLimitPercent}%`);
      if (at.over.includes('machine')) why.push(`the machine ${at.machineBusyPercent}% busy and the node waited ${at.nodeWaitPercent}% of the window for a CPU`);
      diagnosis.push(`Stopped at ${at.viewers} viewers: ${why.join('; ')}. Last N below both limits: ${lastGoodViewers}.`);
      const machineFull = at.machineBusyPercent >= 95 || at.over.includes('machine');
      const nodeLimited = at.over.includes('node-cpu') && !machineFull;
      if (nodeLimited) diagnosis.push(`The node's own CPU was the limit (the machine was ${at.machineBusyPercent}% busy: it had room left).`);
      else if (machineFull) {
        diagnosis.push(
          `The machine was the limit, not (only) the node: ${at.machineBusyPercent}% of ${cores} cores busy — node ${at.nodeCpuPercent}%, viewer farm ${at.farm.cpuPercent}% (${at.farm.processes} process${at.farm.processes === 1 ? '' : 'es'}), publisher ${round(at.publisherCpuPercent.bench + at.publisherCpuPercent.ffmpeg, 1)}%, others ${at.otherCpuPercent}% of a core; the node waited ${at.nodeWaitPercent}% of the window for a CPU. ` +
            (fit.viewersAtCpuLimit !== null ? `On its own line the node would reach ${cpuLimit}% at ≈ ${fit.viewersAtCpuLimit} viewers (extrapolated).` : ''),
        );
      } else if (at.over.includes('loss')) diagnosis.push(`Loss came before the CPU limit, with the machine ${at.machineBusyPercent}% busy and the node at ${at.nodeCpuPercent}%.`);
    }
    if (lastGoodPoint && lastGoodPoint.viewers > 0 && lastGoodPoint.farm.cpuPercent > lastGoodPoint.nodeCpuPercent) {
      diagnosis.push(`The viewer farm used more CPU than the node (${lastGoodPoint.farm.cpuPercent}% vs ${lastGoodPoint.nodeCpuPercent}% at ${lastGoodPoint.viewers} viewers): on this ${cores}-core machine the test viewers are the bigger load.`);
    }

    for (const p of points) {
      if (p.phase === 'baseline' && (p.machineBusyPercent >= 90 || p.nodeWaitPercent >= o.starveWaitPercent)) {
        warnings.push(`the 0-viewer window was contended (machine ${p.machineBusyPercent}% busy, node waited ${p.nodeWaitPercent}%): the fit's intercept is unreliable`);
      }
      if (p.requestedViewers > 0 && p.viewers !== p.requestedViewers) warnings.push(`${p.requestedViewers} viewers requested, ${p.viewers} joined (${p.joinFailures.slice(0, 2).join('; ')})`);
      if (p.stalledViewers) warnings.push(`${p.stalledViewers} of ${p.viewers} viewers received no video in a window`);
      if (p.nodeReportedViewers !== null && p.nodeReportedViewers !== p.viewers) warnings.push(`the node reported ${p.nodeReportedViewers} viewers, the farm had ${p.viewers}`);
      if (p.farm.maxProcessCpuPercent >= 90) warnings.push(`a farm process at ${p.farm.maxProcessCpuPercent}% of a core at ${p.viewers} viewers: its event loop may be the limit`);
      if (p.otherCpuPercent >= 20) warnings.push(`other processes used ${p.otherCpuPercent}% of a core during the window at ${p.viewers} viewers`);
    }
    if (sent.kbps < 1500) warnings.push(`the source sent only ${round(sent.kbps, 0)} kbit/s (expected ~2000)`);
    if (nonLoopbackTx.packets > nonLoopbackTx.ipv6NeighborSolicitations) {
      warnings.push(`${nonLoopbackTx.packets - nonLoopbackTx.ipv6NeighborSolicitations} packets left on non-loopback interfaces during the section (this or another process)`);
    }
    const { path: _path, ...file } = source;
    void _path;
    const { tmp: _tmp, token: _token, ...config } = o;
    void _tmp;
    void _token;
    return {
      seconds: round((performance.now() - started) / 1000, 1),
      config: { ...config, steps, nodeArgs, cores, loadAverage1mAtStart },
      limits: { lossPercent: o.lossLimitPercent, nodeCpuPercent: cpuLimit, threadsUsed, rule, maxViewers: o.maxViewers, budgetSeconds: o.budgetSeconds },
      input: {
        method: 'one file (VP8 ~2 Mbit/s 720p30 + Opus, encoded once from the noisy testsrc2 camera source) replayed by `ffmpeg -re -stream_loop -1 -c copy -f rtp` into a werift WHIP publisher in the bench process (keyframe every 2 s; PLIs not honoured)',
        file,
        sentKbps: round(sent.kbps, 0),
        sentPacketsPerSecond: round(sent.pps, 0),
        plis,
      },
      points,
      stoppedBy,
      firstOver,
      lastGoodViewers,
      fit,
      diagnosis,
      nodeLog,
      nonLoopbackTx,
      warnings,
    };
  }

  return benchSection(run, cleanup, killNow);
}

export function capacitySummary(r: CapacityBench): string {
  if ('error' in r) return `capacity FAILED — ${r.error.split('\n')[0]}`;
  const f = r.fit;
  const over = r.firstOver ? `${r.stoppedBy} at ${r.firstOver.viewers}` : r.stoppedBy;
  return `capacity ${r.lastGoodViewers} viewers (stopped: ${over}; cap ${r.limits.maxViewers}, ${r.limits.budgetSeconds} s), ${f.cpuPerViewerPercent ?? '?'}% CPU/viewer → ${f.viewersPerCore ?? '?'} viewers/core, ${f.rssPerViewerMB ?? '?'} MB/viewer, farm ${f.farmCpuPerViewerPercent ?? '?'}%/viewer`;
}
