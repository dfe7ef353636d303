/**
 * The `scaling` section (issue #9: "use every core"): how the node's forwarding work splits over its
 * threads with `--forwarding-threads` 0, 1 and 2, side by side in one run, and the capacity that split
 * implies.
 *
 * - **Runs**, one node at a time, in the order 0, 1, 2, 2, 1, 0 (`rounds` passes, every other one
 *   reversed): a slow drift of the shared machine then weighs on every thread count alike, and each
 *   count is measured twice, on two fresh nodes. One node at a time, not three at once: three audiences
 *   would triple the farm's load on the same cores and the nodes would measure each other.
 * - **Each run**: `curbcast serve --forwarding-threads t --thread-placement even` (or `pack`: `placement`) (recording its set unless `recording: false`),
 *   the `capacity` section's file-fed WHIP publisher (janus-source.ts), a warm-up, a window with no
 *   viewers, then `viewers` farm viewers (werift, no decoding, spread over farm processes that live for
 *   the whole section), a settle and a window with them. Before each window, a quiet gate (capacity.ts).
 * - **Per window**, from /proc/<pid>/task: the CPU of the main thread (its tid is the pid), of each
 *   forwarding thread (named `curbcast-fwd-<index>` by forwarding-worker.ts) and of the rest ("other":
 *   libuv's and V8's helpers, which Node leaves named `node`); the whole process's CPU, run-queue wait and
 *   RSS; each thread's event-loop use and viewers (GET /api/admin/gauges); the viewers' loss.
 * - **Derived** for each thread count, from its windows (0 and N viewers, both runs): each thread's CPU
 *   as a line over viewers; where each line reaches `threadLimitPercent` of a core (one thread cannot use
 *   more than one core), and where the whole process's reaches `threadLimitPercent` × the cores; the
 *   lowest of these is the projected capacity, and its ratio to 0 threads' is the scaling. Also how the
 *   per-viewer work splits (each thread's share of the process's slope).
 * - **Farm-normalised**, beside the raw numbers: the same projections with each run's per-viewer CPU divided
 *   by how fast the machine ran it, read off the viewer farm's CPU per viewer (the same work in every loaded
 *   window). Measured here: two runs of one thread count differed by a third in raw CPU while node and farm
 *   rose together, and by a few % once divided.
 *
 * What this machine can show: its cores run the viewer farm and the publisher beside the node, so the
 * node never has them to itself and no window measures "N× one core" of throughput. The projections
 * are what the measured split of the work implies, said so in the result (`caveat`).
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { eventLoopWindow, forwardingGauges, linearFit, lossWithStalledPercent, waitForQuiet } from './capacity.js';
import { startViewerFarm, type ViewerFarm } from './farm-client.js';
import { encodeSource, startSourceRelay, type EncodedSource, type SourceRelay } from './janus-source.js';
import { startNodeProcess, summariseNodeLog, type NodeLogSummary, type NodeProcess } from './node-process.js';
import { measureWindow, threadDeltas, threadStats, type ThreadDelta } from './proc-stats.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';
import { combinedFarmRates, farmRates } from './sweep.js';
import { benchSection, type BenchSection } from './section.js';

export interface ScalingOptions {
  tmp: string;
  token: string;
  /** `--forwarding-threads` values to compare (0: everything on the main thread). */
  threadCounts: number[];
  /** Passes over threadCounts, every other one reversed (2: 0,1,2,2,1,0). */
  rounds: number;
  /** Farm viewers in each loaded window: the same for every thread count. */
  viewers: number;
  viewersPerFarm: number;
  windowSeconds: number;
  settleSeconds: number;
  /** After the publisher connects, before the 0-viewer window (JIT, first GCs). */
  warmupSeconds: number;
  /** A run that would not fit what is left is not started. */
  budgetSeconds: number;
  /** Where a thread counts as full, % of one core (and the process: this × the cores). */
  threadLimitPercent: number;
  recording: boolean;
  /** How the node places viewers on its threads: `even` (the node's default) or `pack` (fill one thread first). */
  placement: 'even' | 'pack';
  quietOthersPercent: number;
  quietMaxWaitSeconds: number;
  joinTimeoutMs: number;
  source: { width: number; height: number; fps: number; seconds: number; noise: number; videoKbps: number };
}

/** A node thread by role: `main`, `fwd-<index>` (a forwarding thread), or all the others together. */
type ThreadKey = string;
const MAIN = 'main';
const OTHER = 'other';
const forwardingKey = (index: number) => `fwd-${index}`;
/** What forwarding-worker.ts names its OS thread. */
const FORWARDING_THREAD_NAME = /^curbcast-fwd-(\d+)$/;

export interface ScalingWindow {
  viewers: number;
  seconds: number;
  /** CPU per thread role, % of one core: main, fwd-<i>, other (libuv's and V8's helpers together). */
  threadCpuPercent: Record<ThreadKey, number>;
  /** Helper threads counted in `other`. */
  otherThreads: number;
  /** The whole node process, % of one core. */
  nodeCpuPercent: number;
  /** Run-queue wait of all the node's threads, % of the window: CPU it wanted while other work held the cores. */
  nodeWaitPercent: number;
  nodeRssMB: number;
  /** Event-loop use, % (main, each forwarding thread), and viewers per forwarding thread; null: not reported. */
  eventLoopPercent: { main: number; threads: number[]; viewersPerThread: number[] } | null;
  lossPercent: number;
  lossWithStalledPercent: number;
  stalledViewers: number;
  perViewerKbps: number;
  /**
   * Datagrams the kernel dropped (receive buffer full) in the window: at the node's sockets (it fell
   * behind reading: the publisher's packets) and at the farms' (the test viewers fell behind: loss that is
   * not the node's).
   */
  udpDrops: { node: number; farm: number };
  farmCpuPercent: number;
  /** The WHIP relay in the bench process plus ffmpeg, % of one core. */
  publisherCpuPercent: number;
  /** Other people's processes and the kernel, % of one core. */
  othersCpuPercent: number;
  machineBusyPercent: number;
  loadAverage1m: number;
  quietGate: { waitedSeconds: number; othersPercent: number };
  /** Null when the window says something; otherwise why not (publisher gone, node not live). */
  invalidReason: string | null;
}

export interface ScalingRun {
  /** 1-based position in the run order. */
  order: number;
  forwardingThreads: number;
  nodeArgs: string[];
  /** Forwarding threads the node reports (gauges), and the ones found by name in /proc. */
  reportedThreads: number | null;
  namedThreads: number;
  idle: ScalingWindow;
  loaded: ScalingWindow;
  joinMs: Distribution | null;
  joinFailures: string[];
  seconds: number;
  nodeLog: NodeLogSummary;
}

/** One thread role's CPU as a line over viewers, from a thread count's windows. */
export interface ThreadLine {
  thread: ThreadKey;
  /** CPU at 0 viewers (the fit's intercept) and at the loaded windows' mean N, % of one core. */
  idlePercent: number;
  loadedPercent: number;
  /** Slope, % of one core per viewer. */
  perViewerPercent: number;
  /** This thread's share of the process's per-viewer CPU, %. */
  shareOfPerViewerPercent: number;
  /** Where the line reaches the thread limit; null: it does not grow with viewers (or is not one thread: `other`). */
  viewersAtLimit: number | null;
  /**
   * Its event loop's use at N viewers, % (mean of the loaded windows; null: not reported, or `other`).
   * Near 100 the thread could not keep up in wall-clock time, whatever its CPU: starved by other work, or full.
   */
  eventLoopPercentAtN: number | null;
}

export interface ScalingByThreads {
  forwardingThreads: number;
  runs: number;
  viewers: number;
  /** main, each fwd-<i>, then other. */
  threads: ThreadLine[];
  process: { idlePercent: number; loadedPercent: number; perViewerPercent: number; viewersAtCoresLimit: number | null };
  /**
   * The thread that carries the most per-viewer work (steepest line), its CPU at N viewers and its slope:
   * with a few viewers the main thread's fixed cost can make it the busiest at N while it barely grows.
   */
  busiest: { thread: ThreadKey; loadedPercent: number; perViewerPercent: number };
  /** Where the first thread reaches its limit if each had a core of its own, and which. */
  threadBoundViewers: number | null;
  threadBoundBy: ThreadKey | null;
  /** The lower of threadBoundViewers and the whole process at the limit × this machine's cores. */
  projectedViewers: number | null;
  projectedBy: ThreadKey | 'cores' | null;
  /** projectedViewers / 0 threads' (null without a 0-thread row); threadBoundRatio likewise. */
  projectedRatio: number | null;
  threadBoundRatio: number | null;
  /** projectedViewers of each run on its own: how far apart the two runs are. */
  projectedViewersPerRun: Array<number | null>;
  /** In words: "fwd-0 46% · fwd-1 45% · main 3% · other 6%" of the per-viewer CPU. */
  split: string;
  lossPercent: number;
  loadedRssMB: number;
  nodeWaitPercent: number;
  /** Other people's processes in this count's windows, % of one core (mean): how contended its numbers are. */
  othersCpuPercent: number;
  /**
   * Runs of this count left out of the line, and why (see runProblem). When every run of the count has
   * a problem, none is left out and `representative` is false: the row stands, flagged.
   */
  leftOut: Array<{ order: number; why: string }>;
  representative: boolean;
}

export interface ScalingBenchResult {
  seconds: number;
  config: Omit<ScalingOptions, 'tmp' | 'token'> & { order: number[]; cores: number; loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
  input: { method: string; file: Omit<EncodedSource, 'path'> };
  runs: ScalingRun[];
  byThreads: ScalingByThreads[];
  /**
   * The same projections with each run's per-viewer CPU divided by how fast the machine ran it, read off the
   * viewer farm: the farm does the same work in every loaded window whatever the node's threads, so its CPU
   * per viewer moves only with the machine (another VM on the host, clock speed). Two runs of one count can
   * differ by a third in raw CPU and by a few % once divided (see BENCHMARKS.md): a check on the raw ratios.
   */
  farmNormalised: FarmNormalised;
  /** What this machine can and cannot show (also in the summary line). */
  caveat: string;
  diagnosis: string[];
  warnings: string[];
}

export interface FarmNormalised {
  /** Each run's farm CPU per viewer / the mean over the runs (1.2: the machine was 20% slower in that window). */
  speedFactors: Array<{ order: number; factor: number }>;
  byThreads: Array<Pick<ScalingByThreads, 'forwardingThreads' | 'busiest' | 'projectedViewers' | 'projectedBy' | 'projectedRatio' | 'projectedViewersPerRun'>>;
}

export type ScalingBench = ScalingBenchResult | { error: string };

export type ScalingSection = BenchSection<ScalingBench>;

/** 0,1,2 then 2,1,0 then 0,1,2…: each pass reversed from the one before. */
export function runOrder(threadCounts: readonly number[], rounds: number): number[] {
  const order: number[] = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? threadCounts : [...threadCounts].reverse()));
  return order;
}

/** Which role each of the node's threads has: its tid equals the pid (main), its name says fwd-<i>, or other. */
export function threadRole(tid: number, name: string, pid: number): ThreadKey {
  if (tid === pid) return MAIN;
  const match = FORWARDING_THREAD_NAME.exec(name);
  return match ? forwardingKey(Number(match[1])) : OTHER;
}

/** Per-thread CPU added up by role. */
export function cpuByRole(deltas: readonly ThreadDelta[], pid: number): { cpu: Record<ThreadKey, number>; otherThreads: number } {
  const cpu: Record<ThreadKey, number> = { [MAIN]: 0, [OTHER]: 0 };
  let otherThreads = 0;
  for (const t of deltas) {
    const role = threadRole(t.tid, t.name, pid);
    cpu[role] = (cpu[role] ?? 0) + t.cpuPercent;
    if (role === OTHER) otherThreads++;
  }
  return { cpu, otherThreads };
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** Viewers at which a line from `idle` rising `perViewer` per viewer reaches `limit`; null when it does not rise. */
function viewersAt(limit: number, idle: number, perViewer: number): number | null {
  return perViewer > 0 ? Math.max(0, Math.round((limit - idle) / perViewer)) : null;
}

/** Keys of the single threads that can saturate a core: main and the forwarding threads (not `other`, many helpers). */
const singleThreads = (keys: Iterable<ThreadKey>) => [...keys].filter((k) => k !== OTHER).sort((a, b) => (a === MAIN ? -1 : b === MAIN ? 1 : a.localeCompare(b, 'en', { numeric: true })));

/** A thread's event-loop use in the loaded windows, mean over runs; null when no run reports it. */
function eventLoopAtN(runs: readonly ScalingRun[], thread: ThreadKey): number | null {
  const index = thread.startsWith('fwd-') ? Number(thread.slice('fwd-'.length)) : null;
  const values = runs
    .map((r) => r.loaded.eventLoopPercent)
    .map((e) => (!e ? undefined : thread === MAIN ? e.main : index !== null ? e.threads[index] : undefined))
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length ? round(mean(values), 0) : null;
}

/** The lowest of several projections, and whose. */
function lowest<K extends string>(candidates: Array<{ by: K; viewers: number | null }>): { viewers: number | null; by: K | null } {
  const known = candidates.filter((c): c is { by: K; viewers: number } => c.viewers !== null).sort((a, b) => a.viewers - b.viewers);
  return known[0] ? { viewers: known[0].viewers, by: known[0].by } : { viewers: null, by: null };
}

/** A thread count's projection from its runs' windows (0 and N viewers), with each thread's line. */
export function summariseThreadCount(
  runs: readonly ScalingRun[],
  limitPercent: number,
  cores: number,
): Omit<ScalingByThreads, 'projectedRatio' | 'threadBoundRatio' | 'leftOut' | 'representative'> {
  const forwardingThreads = runs[0]!.forwardingThreads;
  const windows = runs.flatMap((r) => [r.idle, r.loaded]);
  const keys = new Set(windows.flatMap((w) => Object.keys(w.threadCpuPercent)));
  const line = (y: (w: ScalingWindow) => number) => {
    const fit = linearFit(windows.map((w) => ({ x: w.viewers, y: y(w) })));
    return { idle: fit?.intercept ?? Number.NaN, slope: fit?.slope ?? Number.NaN, loaded: mean(runs.map((r) => y(r.loaded))) };
  };
  const processLine = line((w) => w.nodeCpuPercent);
  const lineOf = (key: ThreadKey) => line((w) => w.threadCpuPercent[key] ?? 0);
  const threads: ThreadLine[] = [...singleThreads(keys), OTHER].map((thread) => {
    const l = lineOf(thread);
    return {
      thread,
      idlePercent: round(l.idle, 1),
      loadedPercent: round(l.loaded, 1),
      perViewerPercent: round(l.slope, 4),
      shareOfPerViewerPercent: processLine.slope > 0 ? round((l.slope / processLine.slope) * 100, 0) : Number.NaN,
      viewersAtLimit: thread === OTHER ? null : viewersAt(limitPercent, l.idle, l.slope),
      eventLoopPercentAtN: eventLoopAtN(runs, thread),
    };
  });
  const singles = threads.filter((t) => t.thread !== OTHER);
  const busiest = [...singles].sort((a, b) => b.perViewerPercent - a.perViewerPercent)[0]!;
  const threadBound = lowest(singles.map((t) => ({ by: t.thread, viewers: t.viewersAtLimit })));
  const viewersAtCoresLimit = viewersAt(limitPercent * cores, processLine.idle, processLine.slope);
  const projected = lowest<ThreadKey | 'cores'>([
    { by: threadBound.by ?? MAIN, viewers: threadBound.viewers },
    { by: 'cores', viewers: viewersAtCoresLimit },
  ]);
  // Each run alone, to show how far apart the two measurements of the same count are.
  const projectedViewersPerRun = runs.length > 1 ? runs.map((r) => summariseThreadCount([r], limitPercent, cores).projectedViewers) : [projected.viewers];
  return {
    forwardingThreads,
    runs: runs.length,
    viewers: Math.round(mean(runs.map((r) => r.loaded.viewers))),
    threads,
    process: { idlePercent: round(processLine.idle, 1), loadedPercent: round(processLine.loaded, 1), perViewerPercent: round(processLine.slope, 4), viewersAtCoresLimit },
    busiest: { thread: busiest.thread, loadedPercent: busiest.loadedPercent, perViewerPercent: busiest.perViewerPercent },
    threadBoundViewers: threadBound.viewers,
    threadBoundBy: threadBound.by,
    projectedViewers: projected.viewers,
    projectedBy: projected.by,
    projectedViewersPerRun,
    split: threads.map((t) => `${t.thread} ${Number.isFinite(t.shareOfPerViewerPercent) ? `${t.shareOfPerViewerPercent}%` : '?'}`).join(' · '),
    lossPercent: round(Math.max(...runs.map((r) => r.loaded.lossWithStalledPercent)), 3),
    loadedRssMB: round(mean(runs.map((r) => r.loaded.nodeRssMB)), 0),
    nodeWaitPercent: round(mean(runs.map((r) => r.loaded.nodeWaitPercent)), 1),
    othersCpuPercent: round(mean(windows.map((w) => w.othersCpuPercent)), 0),
  };
}

/** The farm's CPU per viewer in a run's loaded window (its idle window taken off). */
const farmPerViewer = (r: ScalingRun) => (r.loaded.viewers > 0 ? (r.loaded.farmCpuPercent - r.idle.farmCpuPercent) / r.loaded.viewers : Number.NaN);

/**
 * The runs with each loaded window's rise over its idle window divided by the run's speed factor (its farm
 * CPU per viewer / the mean of all runs'): what each thread would have used on the machine at its average speed.
 */
export function farmNormalisedRuns(runs: readonly ScalingRun[]): { runs: ScalingRun[]; speedFactors: Array<{ order: number; factor: number }> } {
  const reference = mean(runs.map(farmPerViewer).filter((v) => v > 0));
  const speedFactors = runs.map((r) => ({ order: r.order, factor: round(farmPerViewer(r) / reference, 3) }));
  const scaled = runs.map((r, i) => {
    const factor = speedFactors[i]!.factor;
    if (!(factor > 0)) return r;
    const scale = (loaded: number, idle: number) => idle + (loaded - idle) / factor;
    const threadCpuPercent = Object.fromEntries(Object.entries(r.loaded.threadCpuPercent).map(([k, v]) => [k, scale(v, r.idle.threadCpuPercent[k] ?? 0)]));
    return { ...r, loaded: { ...r.loaded, threadCpuPercent, nodeCpuPercent: scale(r.loaded.nodeCpuPercent, r.idle.nodeCpuPercent) } };
  });
  return { runs: scaled, speedFactors };
}

/** The farm-normalised projections (see ScalingBenchResult.farmNormalised). */
export function summariseFarmNormalised(runs: readonly ScalingRun[], threadCounts: readonly number[], requestedViewers: number, limitPercent: number, cores: number): FarmNormalised {
  const normalised = farmNormalisedRuns(runs);
  return {
    speedFactors: normalised.speedFactors,
    byThreads: summariseScaling(normalised.runs, threadCounts, requestedViewers, limitPercent, cores).map((r) => ({
      forwardingThreads: r.forwardingThreads,
      busiest: r.busiest,
      projectedViewers: r.projectedViewers,
      projectedBy: r.projectedBy,
      projectedRatio: r.projectedRatio,
      projectedViewersPerRun: r.projectedViewersPerRun,
    })),
  };
}

/** An event loop busier than this (%) in the loaded window had a backlog: the thread could not keep up. */
const SATURATED_EVENT_LOOP_PERCENT = 95;

/**
 * Why a run's windows do not show the node's cost of forwarding the set to N viewers, or null when they do:
 * the set was lost, too few viewers joined, the node's sockets dropped the publisher's packets, or a thread's
 * event loop never went idle. In the last two it fell behind (starved by other work, or full) and did less
 * than forward the whole set in the window: its CPU per viewer reads low.
 */
export function runProblem(run: ScalingRun, requestedViewers: number): string | null {
  const invalid = run.idle.invalidReason ?? run.loaded.invalidReason;
  if (invalid) return invalid;
  if (run.loaded.viewers < requestedViewers * 0.95) return `${run.loaded.viewers} of ${requestedViewers} viewers joined`;
  if (run.loaded.udpDrops.node > 0) return `the node's sockets dropped ${run.loaded.udpDrops.node} datagrams (its threads waited ${run.loaded.nodeWaitPercent}% of the window for a CPU)`;
  const loops = run.loaded.eventLoopPercent;
  const saturated = loops ? [{ thread: MAIN, percent: loops.main }, ...loops.threads.map((percent, i) => ({ thread: forwardingKey(i), percent }))].find((l) => l.percent >= SATURATED_EVENT_LOOP_PERCENT) : undefined;
  if (saturated) return `${saturated.thread}'s event loop was ${saturated.percent}% busy (its threads waited ${run.loaded.nodeWaitPercent}% of the window for a CPU)`;
  return null;
}

/** Every thread count's summary, with its projections as ratios to 0 threads'. */
export function summariseScaling(runs: readonly ScalingRun[], threadCounts: readonly number[], requestedViewers: number, limitPercent: number, cores: number): ScalingByThreads[] {
  const rows = threadCounts.flatMap((t) => {
    const all = runs.filter((r) => r.forwardingThreads === t && r.idle.invalidReason === null && r.loaded.invalidReason === null);
    if (all.length === 0) return [];
    const problems = all.map((r) => ({ run: r, why: runProblem(r, requestedViewers) }));
    const good = problems.filter((p) => p.why === null).map((p) => p.run);
    const leftOut = good.length > 0 ? problems.filter((p) => p.why !== null).map((p) => ({ order: p.run.order, why: p.why! })) : [];
    return [{ ...summariseThreadCount(good.length > 0 ? good : all, limitPercent, cores), leftOut, representative: good.length > 0 }];
  });
  const base = rows.find((r) => r.forwardingThreads === 0);
  const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b ? round(a / b, 2) : null);
  return rows.map((r) => ({ ...r, projectedRatio: ratio(r.projectedViewers, base?.projectedViewers), threadBoundRatio: ratio(r.threadBoundViewers, base?.threadBoundViewers) }));
}

export function scalingSection(options: ScalingOptions): ScalingSection {
  const o = options;
  let node: NodeProcess | undefined;
  let relay: SourceRelay | undefined;
  const farms: ViewerFarm[] = [];

  /** The current run's node and publisher (the farms stay for the next run). */
  const stopRun = async () => {
    await Promise.all(farms.map((farm) => withTimeout(farm.stopViewers(), 15_000, 'stopping viewers').catch(() => undefined)));
    const r = relay;
    relay = undefined;
    await r?.close().catch(() => undefined);
    const n = node;
    node = undefined;
    await n?.stop(10_000).catch(() => undefined);
  };
  const cleanup = async () => {
    await stopRun();
    await Promise.all(farms.splice(0).map((farm) => farm.close().catch(() => undefined)));
  };
  const killNow = () => {
    relay?.killNow();
    node?.killNow();
    for (const farm of farms) farm.killNow();
  };

  async function run(): Promise<ScalingBench> {
    const started = performance.now();
    const cores = cpus().length;
    const loadAverage1mAtStart = round(loadavg()[0] ?? 0, 2);
    const warnings: string[] = [];
    const order = runOrder(o.threadCounts, o.rounds);
    const dir = join(o.tmp, 'scaling');
    mkdirSync(dir, { recursive: true });
    log(`scaling: --forwarding-threads in the order ${order.join(', ')}, ${o.viewers} viewers, ${o.windowSeconds} s windows (budget ${o.budgetSeconds} s)`);
    const source = encodeSource(dir, o.source);
    log(`scaling: source ${source.videoKbps} kbit/s video + ${source.audioKbps} kbit/s audio`);
    for (let i = 0; i < Math.ceil(o.viewers / o.viewersPerFarm); i++) farms.push(await startViewerFarm());
    log(`scaling: ${farms.length} viewer farm process(es), pids ${farms.map((f) => f.pid).join(', ')}`);

    const loopStarted = performance.now();
    const elapsed = () => (performance.now() - loopStarted) / 1000;
    const runs: ScalingRun[] = [];
    let runSeconds = 0;
    for (const [i, threads] of order.entries()) {
      // A run takes about as long as the longest so far (a first guess before any).
      const expected = runSeconds || o.warmupSeconds + o.settleSeconds + 2 * o.windowSeconds + o.viewers * 0.4 + 20;
      if (elapsed() + expected > o.budgetSeconds) {
        warnings.push(`runs ${order.slice(i).join(', ')} not started: ${Math.round(elapsed())} s of the ${o.budgetSeconds} s budget used, ~${Math.round(expected)} s needed each`);
        break;
      }
      // One run failing (a node that would not start, a publisher that did not connect on a busy machine) leaves the others' numbers standing.
      const runStarted = performance.now();
      try {
        runs.push(await measureRun(i + 1, threads, dir, source, warnings));
      } catch (error) {
        warnings.push(`run ${i + 1} (--forwarding-threads ${threads}) failed: ${(error as Error).message.split('\n')[0]}`);
        log(`scaling: run ${i + 1} FAILED: ${(error as Error).message}`);
      } finally {
        await stopRun();
      }
      runSeconds = Math.max(runSeconds, (performance.now() - runStarted) / 1000);
    }
    await cleanup();
    if (runs.length === 0) throw new Error(`no run succeeded: ${warnings.join('; ')}`);

    const byThreads = summariseScaling(runs, o.threadCounts, o.viewers, o.threadLimitPercent, cores);
    const loadAverage1mAtEnd = round(loadavg()[0] ?? 0, 2);
    const { path: _path, ...file } = source;
    void _path;
    const { tmp: _tmp, token: _token, ...config } = o;
    void _tmp;
    void _token;
    return {
      seconds: round((performance.now() - started) / 1000, 1),
      config: { ...config, order, cores, loadAverage1mAtStart, loadAverage1mAtEnd },
      input: {
        method: 'the capacity section\'s file-fed camera (VP8 ~2 Mbit/s 720p30 + Opus, encoded once) replayed by ffmpeg into a werift WHIP publisher in the bench process',
        file,
      },
      runs,
      byThreads,
      farmNormalised: summariseFarmNormalised(runs, o.threadCounts, o.viewers, o.threadLimitPercent, cores),
      caveat: caveatFor(runs, cores, o),
      diagnosis: diagnose(byThreads, o),
      warnings: [...warnings, ...runWarnings(runs, o)],
    };
  }

  /** One node with `threads` forwarding threads: its 0-viewer window, then its N-viewer window. */
  async function measureRun(order: number, threads: number, dir: string, source: EncodedSource, warnings: string[]): Promise<ScalingRun> {
    const t0 = performance.now();
    const dataDir = join(dir, `node-${order}-t${threads}`);
    mkdirSync(dataDir, { recursive: true });
    // Even placement (the node's default) unless asked: the section measures how the work splits.
    const nodeArgs = ['--forwarding-threads', String(threads), '--thread-placement', o.placement, '--max-viewers', String(o.viewers + 10), ...(o.recording ? [] : ['--no-recording'])];
    const liveNode = (node = await startNodeProcess({ dataDir, token: o.token, extraArgs: nodeArgs }));
    const pub = (relay = await startSourceRelay({ source, baseUrl: liveNode.baseUrl, token: o.token, videoPayloadType: 96, audioPayloadType: 111, label: 'scaling' }));
    log(`scaling: run ${order}: --forwarding-threads ${threads}, node pid ${liveNode.pid}; warming up ${o.warmupSeconds} s`);
    await sleep(o.warmupSeconds * 1000);

    const window = (viewers: number) => measureNodeWindow(liveNode, pub, viewers);
    const idle = await window(0);
    const joined = await joinViewers(liveNode.baseUrl);
    await sleep(o.settleSeconds * 1000);
    const loaded = await window(o.viewers);
    if (liveNode.exited) throw new Error(`the node exited during run ${order}:\n${liveNode.logTail()}`);

    const named = new Set([...threadStats(liveNode.pid)].map(([tid, t]) => threadRole(tid, t.name, liveNode.pid)).filter((role) => role.startsWith('fwd-'))).size;
    const reported = (await forwardingGauges(liveNode.baseUrl, o.token))?.threads.length ?? null;
    if (named !== threads) warnings.push(`run ${order}: ${named} thread(s) named curbcast-fwd-* for --forwarding-threads ${threads} (the node reports ${reported ?? '?'}): unnamed ones count as "other"`);
    log(`scaling: run ${order} (${threads} thread${threads === 1 ? '' : 's'}): idle ${describe(idle)} | ${loaded.viewers} viewers ${describe(loaded)}`);
    await stopRun();
    return {
      order,
      forwardingThreads: threads,
      nodeArgs,
      reportedThreads: reported,
      namedThreads: named,
      idle,
      loaded,
      joinMs: joined.joinMs.length ? distribution(joined.joinMs) : null,
      joinFailures: joined.failed.slice(0, 5),
      seconds: round((performance.now() - t0) / 1000, 1),
      nodeLog: summariseNodeLog(dataDir),
    };
  }

  /** `o.viewers` viewers, shared out over the farms, which join in parallel (each one viewer at a time). */
  async function joinViewers(baseUrl: string): Promise<{ joinMs: number[]; failed: string[] }> {
    const shares = farms.map((_, i) => Math.floor(o.viewers / farms.length) + (i < o.viewers % farms.length ? 1 : 0));
    const added = await Promise.all(farms.map((farm, i) => farm.add(baseUrl, shares[i]!, o.joinTimeoutMs)));
    return { joinMs: added.flatMap((a) => a.joinMs), failed: added.flatMap((a) => a.failed.map((f) => f.error)) };
  }

  /** One window on the node: its threads' CPU by role, the whole process, the viewers' loss, and the rest of the machine. */
  async function measureNodeWindow(liveNode: NodeProcess, pub: SourceRelay, requestedViewers: number): Promise<ScalingWindow> {
    const ownPids = () => {
      const ffmpeg = pub.ffmpegPid();
      const pids: Record<string, number> = { node: liveNode.pid, bench: process.pid, ...(ffmpeg ? { ffmpeg } : {}) };
      farms.forEach((f, i) => (pids[`farm${i}`] = f.pid));
      return pids;
    };
    const quietGate = await waitForQuiet({ ownPids, quietOthersPercent: o.quietOthersPercent, maxWaitSeconds: () => o.quietMaxWaitSeconds, label: 'scaling' });
    const loadAverage1m = round(loadavg()[0] ?? 0, 2);
    const snapsA = await Promise.all(farms.map((f) => f.snapshot()));
    const relayA = pub.counters();
    const gaugesA = await forwardingGauges(liveNode.baseUrl, o.token);
    const threadsA = threadStats(liveNode.pid);
    const t0 = performance.now();
    const w = await measureWindow(ownPids(), o.windowSeconds);
    const deltas = threadDeltas(threadsA, threadStats(liveNode.pid), (performance.now() - t0) / 1000);
    const gaugesB = await forwardingGauges(liveNode.baseUrl, o.token);
    const audience = combinedFarmRates((await Promise.all(farms.map((f) => f.snapshot()))).map((b, i) => farmRates(snapsA[i]!, b)));
    const relayB = pub.counters();

    const byRole = cpuByRole(deltas, liveNode.pid);
    const farmCpu = farms.reduce((s, _, i) => s + (w.cpuPercent[`farm${i}`] ?? 0), 0);
    const publisherCpu = (w.cpuPercent.bench ?? 0) + (w.cpuPercent.ffmpeg ?? 0);
    const nodeCpu = w.cpuPercent.node!;
    const live = await fetch(`${liveNode.baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.json() as Promise<{ live?: boolean }>)
      .then((x) => x.live ?? null)
      .catch(() => null);
    const state = pub.curbcastState();
    return {
      viewers: requestedViewers === 0 ? 0 : audience.viewers,
      seconds: round(w.seconds, 2),
      threadCpuPercent: Object.fromEntries(Object.entries(byRole.cpu).map(([k, v]) => [k, round(v, 1)])),
      otherThreads: byRole.otherThreads,
      nodeCpuPercent: round(nodeCpu, 1),
      nodeWaitPercent: round(deltas.reduce((s, t) => s + t.waitPercent, 0), 1),
      nodeRssMB: round(w.rssMB.node!, 0),
      eventLoopPercent: gaugesB ? eventLoopWindow(gaugesA, gaugesB) : null,
      lossPercent: round(audience.lossPercent, 3),
      lossWithStalledPercent: round(lossWithStalledPercent(audience, relayA, relayB), 3),
      stalledViewers: audience.stalledViewers,
      perViewerKbps: round(audience.perViewerKbps, 0),
      udpDrops: { node: w.udpDrops.node?.total ?? 0, farm: farms.reduce((s, _, i) => s + (w.udpDrops[`farm${i}`]?.total ?? 0), 0) },
      farmCpuPercent: round(farmCpu, 1),
      publisherCpuPercent: round(publisherCpu, 1),
      othersCpuPercent: round(Math.max(0, (w.machineBusyPercent / 100) * cpus().length * 100 - nodeCpu - farmCpu - publisherCpu), 1),
      machineBusyPercent: round(w.machineBusyPercent, 0),
      loadAverage1m,
      quietGate,
      invalidReason: state !== 'connected' ? `the WHIP publisher's connection was ${state}` : live === false ? 'the node was no longer live' : null,
    };
  }

  return benchSection(run, cleanup, killNow);
}

/** One window in a progress line: CPU by thread role, the process, loss, the rest of the machine. */
function describe(w: ScalingWindow): string {
  const threads = singleThreads(Object.keys(w.threadCpuPercent)).map((k) => `${k} ${w.threadCpuPercent[k]}%`);
  const drops = w.udpDrops.node + w.udpDrops.farm > 0 ? ` (UDP drops: node ${w.udpDrops.node}, farm ${w.udpDrops.farm})` : '';
  const loss = w.viewers > 0 ? `, loss ${w.lossWithStalledPercent}%${drops}` : '';
  const invalid = w.invalidReason ? ` INVALID (${w.invalidReason})` : '';
  return `${threads.join(', ')}, other ${w.threadCpuPercent[OTHER]}% (node ${w.nodeCpuPercent}%, waited ${w.nodeWaitPercent}%, ${w.nodeRssMB} MB${loss}); farm ${w.farmCpuPercent}%, publisher ${w.publisherCpuPercent}%, others ${w.othersCpuPercent}%, machine ${w.machineBusyPercent}%${invalid}`;
}

/** What this machine can show, with this run's numbers in it. */
function caveatFor(runs: readonly ScalingRun[], cores: number, o: ScalingOptions): string {
  const loaded = runs.map((r) => r.loaded);
  const farm = Math.round(mean(loaded.map((w) => w.farmCpuPercent)));
  const publisher = Math.round(mean(loaded.map((w) => w.publisherCpuPercent)));
  return (
    `This machine has ${cores} cores, and the viewer farm (~${farm}% of a core at ${o.viewers} viewers) and the publisher (~${publisher}%) run on them beside the node, ` +
    `so the node never has the cores to itself and no window here measures "${cores}× one core" of throughput. ` +
    `The projections are how the measured split of the work over the node's threads extends: each thread's CPU at 0 and ${o.viewers} viewers, drawn as a line to where it would reach ${o.threadLimitPercent}% of a core (and the whole process ${o.threadLimitPercent}% × ${cores} cores), as if the node had this machine alone — a projection, not a measured capacity.`
  );
}

/** In words: the split with 0 threads and with the most, and what bounds each projection. */
function diagnose(rows: readonly ScalingByThreads[], o: ScalingOptions): string[] {
  return rows.map((r) => {
    const by = r.projectedBy === 'cores' ? `the whole process at ${o.threadLimitPercent}% × the cores` : `${r.projectedBy} at ${o.threadLimitPercent}% of a core`;
    const unbound = r.threadBoundViewers !== null && r.threadBoundViewers !== r.projectedViewers ? `; with a core per thread, ${r.threadBoundBy} would bound it at ≈ ${r.threadBoundViewers}` : '';
    const flagged = r.representative ? '' : ' (every run of this count had a problem — see the warnings — so these numbers are not representative)';
    return `${r.forwardingThreads} forwarding thread${r.forwardingThreads === 1 ? '' : 's'}${flagged}: most per-viewer work on ${r.busiest.thread} (${r.busiest.loadedPercent}% at ${r.viewers} viewers, ${r.busiest.perViewerPercent}% per viewer); per-viewer work ${r.split}; projected ≈ ${r.projectedViewers ?? '?'} viewers, bounded by ${by}${unbound}.`;
  });
}

function runWarnings(runs: readonly ScalingRun[], o: ScalingOptions): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const label = `run ${r.order} (${r.forwardingThreads} thread${r.forwardingThreads === 1 ? '' : 's'})`;
    for (const w of [r.idle, r.loaded]) {
      if (w.invalidReason) out.push(`${label}: ${w.invalidReason} after the ${w.viewers}-viewer window: the run is left out`);
      if (w.othersCpuPercent >= o.quietOthersPercent) out.push(`${label}: other processes used ${w.othersCpuPercent}% of a core in the ${w.viewers}-viewer window`);
      if (w.machineBusyPercent >= 90) out.push(`${label}: the machine was ${w.machineBusyPercent}% busy in the ${w.viewers}-viewer window (the node waited ${w.nodeWaitPercent}% for a CPU)`);
    }
    if (r.loaded.viewers < o.viewers) out.push(`${label}: ${r.loaded.viewers} of ${o.viewers} viewers joined (${r.joinFailures.slice(0, 2).join('; ')})`);
    if (r.loaded.udpDrops.node > 0) {
      out.push(`${label}: the node's sockets dropped ${r.loaded.udpDrops.node} datagrams at ${r.loaded.viewers} viewers (it fell behind reading the publisher; its threads waited ${r.loaded.nodeWaitPercent}% of the window for a CPU): it forwarded less than the set, so its CPU per viewer reads low`);
    }
    if (r.loaded.lossWithStalledPercent > 0.5) {
      const { node, farm } = r.loaded.udpDrops;
      out.push(`${label}: viewer loss ${r.loaded.lossWithStalledPercent}% at ${r.loaded.viewers} viewers (UDP datagrams dropped at the node's sockets ${node}, at the farms' ${farm})`);
    }
  }
  return out;
}

/** `scaling: busiest thread per viewer 0t X% 1t Y% 2t Z%, projected ×1.00/×A/×B (…)`. */
export function scalingSummary(r: ScalingBench): string {
  if ('error' in r) return `scaling FAILED — ${r.error.split('\n')[0]}`;
  const rows = r.byThreads;
  if (rows.length === 0) return 'scaling: no valid runs';
  const perViewer = rows.map((x) => `${x.forwardingThreads}t ${x.busiest.perViewerPercent.toFixed(3)}%`).join(' ');
  const projected = rows.map((x) => `${x.projectedRatio === null ? '×?' : `×${x.projectedRatio.toFixed(2)}`}${x.representative ? '' : ' (contended)'}`).join('/');
  const viewers = rows.map((x) => x.projectedViewers ?? '?').join('/');
  const normalised = (r.farmNormalised?.byThreads ?? []).map((x) => (x.projectedRatio === null ? '×?' : `×${x.projectedRatio.toFixed(2)}`)).join('/');
  const limit = r.config.threadLimitPercent;
  return `scaling: busiest thread per viewer ${perViewer}, projected ${projected}${normalised ? ` (farm-normalised ${normalised})` : ''} (${viewers} viewers: the first thread at ${limit}% of a core, or the process at ${limit}% × ${r.config.cores} cores; a projection from how the work splits over threads, not a measured throughput: the ${r.config.cores} cores are shared with the viewer farm and the publisher)`;
}
