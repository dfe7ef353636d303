/**
 * `npm run bench`: viewer time-to-first-frame and node CPU/RSS at 1, 10 and 25 viewers for a
 * ~2.5 Mbit/s 720p publisher, all on 127.0.0.1, in one run so points compare side by side.
 *
 * Prints one JSON object, then one summary line, on stdout (progress goes to stderr), and writes
 * the JSON to bench/results/<date>.json.
 *
 * Processes: this one (orchestration, stats) · the node under test (`node bin/curbcast.js serve`,
 * its CPU and RSS read from /proc) · the viewer farm (werift WHEP clients) · Chromium for the
 * publisher (studio page, y4m camera) · Chromium for the TTFF viewers (after the sweep).
 *
 * Knobs (environment): BENCH_VIEWERS=1,10,25  BENCH_WINDOW_S=8  BENCH_SETTLE_S=3
 * BENCH_TTFF_JOINS=20  BENCH_DEADLINE_S=420 (900 with vertical)  BENCH_NOISE=10 (camera noise strength)
 * BENCH_CONTENT_HINT=detail (override the studio's video contentHint, e.g. to hold 720p)
 * BENCH_CHAT_SOCKETS=50,500  BENCH_CHAT_MESSAGES=30 (chat fan-out points)
 * BENCH_VERTICAL_RUNS=3 (vertical shorts made in the page, and by ffmpeg, for the median; at least 2,
 * and no third once the section has taken 7 minutes).
 * BENCH_SIMULCAST_BUDGET_S=390 (the simulcast section's time; viewer steps that would not fit are
 * not started)  BENCH_SIMULCAST_STEPS=2,4,6,8,12,16,24,32  BENCH_UPLINK_KBIT=10000.
 *
 * BENCH_TTFF_EXISTING=25 (farm viewers watching during the second set of TTFF joins)
 * BENCH_JANUS_VIEWERS=10,25  BENCH_JANUS_ROUNDS=2  BENCH_JANUS_BUDGET_S=240 (janus: Curbcast and Debian's
 * Janus side by side, same input and viewers → CPU per viewer of each and their ratio; janus.ts).
 * BENCH_CAPACITY_STEPS=10,20,40,60,80,100,120,140,160,180,200  BENCH_CAPACITY_MAX_VIEWERS=200  BENCH_CAPACITY_BUDGET_S=480
 * BENCH_CAPACITY_LOSS=0.5 (%)  BENCH_CAPACITY_CPU=85 (% of a core per node thread)  BENCH_FORWARDING_THREADS=<n> (passes
 * `--forwarding-threads <n>` to the node; unset: not passed)  BENCH_CAPACITY_PER_FARM=40 (viewers per farm process)
 * BENCH_CAPACITY_RECORDING=off  BENCH_CAPACITY_FARM_NICE=<n>  BENCH_CAPACITY_QUIET=40 (wait up to 30 s before each window
 * while other processes use more of a core than this) (capacity: N raised until loss or the node's CPU limit;
 * viewers per core, CPU and RSS per viewer by linear fit; capacity.ts).
 * BENCH_SCALING_VIEWERS=40  BENCH_SCALING_WINDOW_S=10  BENCH_SCALING_THREADS=0,1,2  BENCH_SCALING_ROUNDS=2  BENCH_SCALING_BUDGET_S=420
 * BENCH_SCALING_PER_FARM=20  BENCH_SCALING_PLACEMENT=pack (fill one thread first; even, the node's default, unless set)  BENCH_SCALING_RECORDING=off (scaling: one node at a time with --forwarding-threads 0, 1, 2, 2, 1, 0,
 * each with 0 and then N farm viewers; CPU per thread → how the work splits and the capacity it projects; scaling.ts).
 * BENCH_LATENCY_VIEWERS=1,25  BENCH_LATENCY_WINDOW_S=15  BENCH_LATENCY_SETTLE_S=10 (glass-to-glass
 * points: 1 measured Chromium viewer + n − 1 farm viewers)  BENCH_LATENCY_AUDIO=microphone (add audio:
 * lip sync)  BENCH_FARM_NICE=10 (the farm's nice value as the crowd of latency and loaded TTFF; off).
 *
 * Sections: `npm run bench -- --only clips,vertical` runs just those (default: all of them).
 * sweep, ttff, chat and recording (its CPU overhead) need the live publisher; clips cuts the set
 * it recorded, or, when none of those ran, a synthetic 35 s 720p recording; vertical always
 * makes a 9:16 short of that synthetic recording in the studio page, side by side with ffmpeg;
 * simulcast has its own node and studio: publisher CPU with simulcast off and on, and the viewers a
 * 10 Mbit/s uplink (tc on lo) sustains either way (simulcast.ts); size weighs the built viewer
 * page's JavaScript and CSS (gzip -9, page-size.ts); latency has its own node and a canvas clock
 * publisher, glass-to-glass at 1 and 25 viewers (latency.ts); scaling starts one node at a time with
 * --forwarding-threads 0, 1, 2, 2, 1, 0 and measures each thread's CPU (scaling.ts). At the end BENCHMARKS.md is regenerated
 * from bench/results (benchmarks-md.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH } from '../helpers/chromium.js';
import { startViewerFarm, type ViewerFarm } from './farm-client.js';
import { ensureBuilt, ROOT, startNodeProcess, summariseNodeLog, type BuildInfo, type NodeLogSummary, type NodeProcess } from './node-process.js';
import { ipv6NeighborSolicitations, nonLoopbackTxPackets } from './proc-stats.js';
import { startPublisher, waitForPublisherRamp, type BrowserPublisher } from './publisher.js';
import { distribution, log, round, sleep, withTimeout } from './stats.js';
import { measurePoint, nodeViewers, type SweepPoint } from './sweep.js';
import { measureTtff, type TtffResult } from './ttff.js';
import { measureRecordingOverhead, recordingContinuity, type RecordingContinuity, type RecordingOverhead } from './recording.js';
import { makeNoisyY4m } from './y4m.js';
import { measureChatFanout, type ChatFanout } from './chat.js';
import { measureCopyCut, type CopyCutBench } from './clips.js';
import { makeVerticalSource, measureVerticalEncode, type VerticalBench, type VerticalSource } from './vertical.js';
import { simulcastSection, simulcastSummary, type SimulcastBench, type SimulcastSection } from './simulcast.js';
import { measurePageSize, type PageSize } from './page-size.js';
import { measureGlassToGlass, type GlassToGlass } from './latency.js';
import { measureTtffWithViewers, type TtffWithViewers } from './ttff.js';
import { writeBenchmarksMd } from './benchmarks-md.js';
import { janusSection, janusSummary, type JanusBench, type JanusSection } from './janus.js';
import { capacitySection, capacitySummary, type CapacityBench, type CapacitySection } from './capacity.js';
import { runSendPathSection, sendPathSummary, type SendPathResult } from './sendpath.js';
import { scalingSection, scalingSummary, type ScalingBench, type ScalingSection } from './scaling.js';

const SECTIONS = ['sweep', 'ttff', 'chat', 'recording', 'clips', 'vertical', 'simulcast', 'size', 'latency', 'janus', 'capacity', 'sendpath', 'scaling'] as const;
type Section = (typeof SECTIONS)[number];

/** `--only a,b` (or `--only=a,b`): the sections to run; all of them without it. */
function sectionsFromArgs(argv: readonly string[]): Section[] {
  const at = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (at === -1) return [...SECTIONS];
  const value = argv[at]!.startsWith('--only=') ? argv[at]!.slice('--only='.length) : (argv[at + 1] ?? '');
  const asked = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (asked.length === 0 || unknown.length > 0) {
    process.stderr.write(`bench: --only takes a comma-separated list of ${SECTIONS.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}\n`);
    process.exit(2);
  }
  return SECTIONS.filter((s) => asked.includes(s));
}
const sections = sectionsFromArgs(process.argv.slice(2));
const selected = (section: Section) => sections.includes(section);
/** Whether a publisher goes live (and the node records its set). */
const liveSections = selected('sweep') || selected('ttff') || selected('chat') || selected('recording');

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const config = {
  sections,
  viewerSteps: (process.env.BENCH_VIEWERS ?? '1,10,25').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
  windowSeconds: env('BENCH_WINDOW_S', 8),
  settleSeconds: env('BENCH_SETTLE_S', 3),
  ttffJoins: env('BENCH_TTFF_JOINS', 20),
  /** Farm viewers already watching during the second set of TTFF joins. */
  ttffExistingViewers: env('BENCH_TTFF_EXISTING', 25),
  ttffWarmups: 1,
  joinTimeoutMs: 15_000,
  // The vertical shorts take a few minutes of their own, and so does simulcast (its budget, plus start and cleanup).
  deadlineSeconds: env('BENCH_DEADLINE_S', (selected('vertical') ? 900 : 420) + (selected('simulcast') ? env('BENCH_SIMULCAST_BUDGET_S', 390) + 90 : 0) + (selected('ttff') ? 120 : 0) + (selected('latency') ? 180 : 0) + (selected('janus') ? env('BENCH_JANUS_BUDGET_S', 240) + 240 : 0) + (selected('capacity') ? env('BENCH_CAPACITY_BUDGET_S', 480) + 150 : 0) + (selected('sendpath') ? 180 : 0) + (selected('scaling') ? env('BENCH_SCALING_BUDGET_S', 420) + 120 : 0)),
  camera: { width: 1280, height: 720, fps: 30, seconds: 10, noise: env('BENCH_NOISE', 10) },
  /** Events sockets listening to the busker's chat, per fan-out point. */
  chatSockets: (process.env.BENCH_CHAT_SOCKETS ?? '50,500').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
  chatMessages: env('BENCH_CHAT_MESSAGES', 30),
  verticalRuns: env('BENCH_VERTICAL_RUNS', 3),
  /** null: the studio's own choice. */
  contentHint: process.env.BENCH_CONTENT_HINT || null,
  /** Glass-to-glass: total viewers per point (1 measured Chromium viewer + farm viewers). */
  latency: {
    viewerPoints: (process.env.BENCH_LATENCY_VIEWERS ?? '1,25').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
    windowSeconds: env('BENCH_LATENCY_WINDOW_S', 15),
    // After the farm's joins (each one a keyframe request) the viewer's jitter buffer takes a while to shrink back.
    settleSeconds: env('BENCH_LATENCY_SETTLE_S', 10),
    /**
     * The canvas stream alone (as issue #9 describes it); BENCH_LATENCY_AUDIO=microphone adds Chromium's
     * fake microphone, and the viewer then holds video back to play it in sync with the audio.
     */
    audio: process.env.BENCH_LATENCY_AUDIO === 'microphone' ? ('microphone' as const) : ('none' as const),
  },
  /**
   * The viewer farm's nice value while it is the background crowd of the latency and loaded-TTFF
   * measurements (BENCH_FARM_NICE=off: unchanged): it is load, not the subject.
   */
  farmNice: process.env.BENCH_FARM_NICE === 'off' ? null : Number.isInteger(Number(process.env.BENCH_FARM_NICE ?? 10)) ? Number(process.env.BENCH_FARM_NICE ?? 10) : 10,
  /** The capacity sweep (capacity.ts): N raised until a limit; the deadline allows the budget plus encode, start, the last step's overrun and cleanup. */
  capacity: {
    steps: (process.env.BENCH_CAPACITY_STEPS ?? '10,20,40,60,80,100,120,140,160,180,200').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
    maxViewers: env('BENCH_CAPACITY_MAX_VIEWERS', 200),
    budgetSeconds: env('BENCH_CAPACITY_BUDGET_S', 480),
    lossLimitPercent: env('BENCH_CAPACITY_LOSS', 0.5),
    cpuLimitPercentPerThread: env('BENCH_CAPACITY_CPU', 85),
    /** null: `--forwarding-threads` is not passed (0 is passed as 0: everything on the main thread). */
    forwardingThreads: process.env.BENCH_FORWARDING_THREADS !== undefined && Number.isInteger(Number(process.env.BENCH_FORWARDING_THREADS)) && Number(process.env.BENCH_FORWARDING_THREADS) >= 0 && process.env.BENCH_FORWARDING_THREADS !== '' ? Number(process.env.BENCH_FORWARDING_THREADS) : null,
    recording: process.env.BENCH_CAPACITY_RECORDING !== 'off',
    viewersPerFarm: env('BENCH_CAPACITY_PER_FARM', 40),
    farmNice: process.env.BENCH_CAPACITY_FARM_NICE !== undefined && Number.isInteger(Number(process.env.BENCH_CAPACITY_FARM_NICE)) ? Number(process.env.BENCH_CAPACITY_FARM_NICE) : null,
    starveWaitPercent: 10,
    quietOthersPercent: env('BENCH_CAPACITY_QUIET', 40),
    quietMaxWaitSeconds: 30,
    bisectMinGap: 5,
    settleSeconds: env('BENCH_SETTLE_S', 4),
    windowSeconds: env('BENCH_WINDOW_S', 8),
    source: { width: 1280, height: 720, fps: 30, seconds: 10, noise: env('BENCH_NOISE', 10), videoKbps: 2000 },
  },
  /** How forwarding splits over threads, --forwarding-threads 0, 1, 2 side by side (scaling.ts). */
  scaling: {
    threadCounts: (process.env.BENCH_SCALING_THREADS ?? '0,1,2').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n <= 16),
    rounds: env('BENCH_SCALING_ROUNDS', 2),
    viewers: env('BENCH_SCALING_VIEWERS', 40),
    viewersPerFarm: env('BENCH_SCALING_PER_FARM', 20),
    windowSeconds: env('BENCH_SCALING_WINDOW_S', 10),
    settleSeconds: 4,
    warmupSeconds: 5,
    budgetSeconds: env('BENCH_SCALING_BUDGET_S', 420),
    threadLimitPercent: 85,
    recording: process.env.BENCH_SCALING_RECORDING !== 'off',
    placement: (process.env.BENCH_SCALING_PLACEMENT === 'pack' ? 'pack' : 'even') as 'pack' | 'even',
    quietOthersPercent: 40,
    // Short: 12 windows each waiting longer would not fit the budget, and a long burst outlasts any wait.
    quietMaxWaitSeconds: 10,
    source: { width: 1280, height: 720, fps: 30, seconds: 10, noise: env('BENCH_NOISE', 10), videoKbps: 2000 },
  },
  /** Curbcast vs Debian's Janus (janus.ts); the deadline allows the budget plus install, encode, start and the last round's overrun. */
  janus: {
    viewerSteps: (process.env.BENCH_JANUS_VIEWERS ?? '10,25').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
    rounds: env('BENCH_JANUS_ROUNDS', 2),
    budgetSeconds: env('BENCH_JANUS_BUDGET_S', 240),
    settleSeconds: 4,
    windowSeconds: env('BENCH_WINDOW_S', 8),
    source: { width: 1280, height: 720, fps: 30, seconds: 10, noise: env('BENCH_NOISE', 10), videoKbps: 2000 },
  },
  simulcast: {
    budgetSeconds: env('BENCH_SIMULCAST_BUDGET_S', 390),
    cpuWindowSeconds: 15,
    uplinkKbit: env('BENCH_UPLINK_KBIT', 10_000),
    viewerSteps: (process.env.BENCH_SIMULCAST_STEPS ?? '2,4,6,8,12,16,24,32').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
    settleSeconds: 12,
    stepWindowSeconds: 8,
    maxLossPercent: 2,
    minVideoKbps: 100,
  },
};

// ---- cleanup: everything we start is held here and undone in reverse order, once ----------------
const tmp = mkdtempSync(join(tmpdir(), 'curbcast-bench-'));
let node: NodeProcess | undefined;
let farm: ViewerFarm | undefined;
let publisher: BrowserPublisher | undefined;
/** The --no-recording node and its publisher, for the recording-overhead comparison. */
let plainNode: NodeProcess | undefined;
let plainPublisher: BrowserPublisher | undefined;
/** The simulcast section holds its own node, studio, farm and tc shape. */
let simulcast: SimulcastSection | undefined;
/** The janus section holds its own node, Janus, source relay and farm. */
let janus: JanusSection | undefined;
/** The capacity section holds its own node, source relay and farms. */
let capacity: CapacitySection | undefined;
/** The scaling section holds one node at a time, its source relay and the farms. */
let scaling: ScalingSection | undefined;
let cleaning: Promise<void> | undefined;
let aborted = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await simulcast?.cleanup().catch(() => undefined);
    await janus?.cleanup().catch(() => undefined);
    await capacity?.cleanup().catch(() => undefined);
    await scaling?.cleanup().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await plainPublisher?.close().catch(() => undefined);
    await plainNode?.stop().catch(() => undefined);
    if (farm) {
      await withTimeout(farm.stopViewers(), 10_000, 'stopping viewers').catch(() => undefined);
      await farm.close().catch(() => undefined);
    }
    await node?.stop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}

/** Signals and the watchdog: kill children synchronously first (in case we are cut short), then tidy. */
function abort(reason: string, code: number): void {
  log(`aborting: ${reason}`);
  aborted = true;
  node?.killNow();
  plainNode?.killNow();
  farm?.killNow();
  simulcast?.killNow();
  janus?.killNow();
  capacity?.killNow();
  scaling?.killNow();
  // Browsers close in cleanup(); whatever is left when we exit, Playwright kills on exit.
  void withTimeout(cleanup(), 8000, 'cleanup')
    .catch(() => rmSync(tmp, { recursive: true, force: true }))
    .finally(() => process.exit(code));
}
process.once('SIGINT', () => abort('SIGINT', 130));
process.once('SIGTERM', () => abort('SIGTERM', 143));
const watchdog = setTimeout(() => abort(`still running after ${config.deadlineSeconds} s`, 124), config.deadlineSeconds * 1000);
watchdog.unref();

// ---- helpers -------------------------------------------------------------------------------------
function machineInfo() {
  let chromium = 'unknown';
  try {
    chromium = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* reported as unknown */
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    chromium,
    loadAverage1mAtStart: round(loadavg()[0] ?? 0, 2),
  };
}

function gitInfo() {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'server', 'common', 'renderer', 'bin');
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedFiles: dirty ? dirty.split('\n').length : 0 };
  } catch {
    return { commit: 'unknown', uncommittedFiles: -1 };
  }
}

function recordingFiles(dataDir: string): { files: number; megabytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (/\.(webm|mkv|mp4)$/.test(entry.name)) {
        files++;
        bytes += statSync(join(dir, entry.name)).size;
      }
    }
  };
  walk(dataDir);
  return { files, megabytes: round(bytes / 1e6, 1) };
}

function resultsPath(date: string): string {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  let path = join(dir, `${date}.json`);
  for (let i = 2; existsSync(path); i++) path = join(dir, `${date}-${i}.json`);
  return path;
}

const pct = (v: number) => `${Math.round(v)}%`;

function summaryLine(r: Results): string {
  if (r.error) return `bench: FAILED — ${r.error.split('\n')[0]}`;
  const parts: string[] = [];
  const t = r.ttffMs;
  if (r.config.sections.includes('ttff')) parts.push(t && t.n > 0 ? `ttff 0 watching p50 ${t.p50} ms p95 ${t.p95} ms` : 'ttff n/a');
  const tw = r.ttffWithViewers;
  if (tw) parts.push(tw.ttffMs.n > 0 ? `ttff ${tw.existingViewers} watching p50 ${tw.ttffMs.p50} ms p95 ${tw.ttffMs.p95} ms` : `ttff ${tw.existingViewers} watching n/a`);
  const g = r.latency;
  if (g && 'error' in g) parts.push(`glass-to-glass FAILED — ${g.error.split('\n')[0]}`);
  else if (g) parts.push(`glass-to-glass ${g.points.map((p) => `${p.viewers} viewer${p.viewers === 1 ? '' : 's'} p50 ${p.latencyMs.p50} ms p95 ${p.latencyMs.p95} ms`).join(', ')}`);
  if (r.size) parts.push(`viewer JS ${round(r.size.jsGzipBytes / 1024, 1)} KB gzipped (budget ${r.size.budgetBytes / 1024} KB${r.size.withinBudget ? '' : ', OVER'}), CSS ${round(r.size.cssGzipBytes / 1024, 1)} KB`);
  for (const p of r.sweep) {
    const loss = p.lossPercent >= 0.1 ? ` ${p.lossPercent}% loss` : '';
    if (p.viewers === 0) parts.push(`0 viewers ${pct(p.cpuPercent)} CPU ${p.rssMB} MB`);
    else if (p === r.sweep.find((x) => x.viewers > 0)) parts.push(`${p.viewers} viewer${p.viewers === 1 ? '' : 's'} ${pct(p.cpuPercent)} CPU ${p.rssMB} MB${loss}`);
    else parts.push(`${p.viewers} → ${pct(p.cpuPercent)} ${p.rssMB} MB${loss}`);
  }
  if (r.cpuPerViewerPercent !== null) parts.push(`${r.cpuPerViewerPercent >= 0 ? '+' : ''}${r.cpuPerViewerPercent}% CPU/viewer`);
  const pub = r.publisher;
  if (pub) parts.push(`${round(pub.bitrateKbps / 1000, 1)} Mbit/s ${pub.width ?? '?'}x${pub.height ?? '?'} publisher`);
  const rec = r.recordingOverhead;
  if (rec) parts.push(`recording ${rec.extraPercentPoints >= 0 ? '+' : ''}${rec.extraPercentPoints} pts CPU (×${rec.ratio})`);
  const av = r.recording?.continuity;
  if (av) parts.push(`recorded gaps v ${av.largestVideoGapMs} ms a ${av.largestAudioGapMs} ms`);
  const cut = r.clips?.copyCut;
  if (cut) parts.push(`fast copy ${cut.rangeSeconds} s in ${cut.nodeMs.p50} ms (×${cut.nodeTimesRealTime} real time; ×${cut.ratioToFfmpeg} ffmpeg's time)${r.clips?.source === 'synthetic' ? ' [synthetic source]' : ''}`);
  const v = r.vertical;
  if (v && 'error' in v) parts.push(`vertical 9:16 FAILED — ${v.error.split('\n')[0]}`);
  else if (v) {
    const cpu = v.pageCpuSeconds === null ? '' : `; CPU ${Math.round(v.pageCpuSeconds)} s vs ${Math.round(v.ffmpegCpuSeconds)} s`;
    const speed = `vertical 9:16 ${v.rangeSeconds} s ${v.source.height}p: ×${v.pageTimesRealtime} real time in the page (ffmpeg libvpx ×${v.ffmpegTimesRealtime}, ratio ${v.ratioPageToFfmpeg}${cpu})`;
    parts.push(v.problems.length ? `${speed} FAILED — ${v.problems[0]}` : speed);
  }
  const chat = r.chat?.points.at(-1);
  if (chat) parts.push(`chat to ${chat.sockets} sockets p50 ${chat.lastSocketMs.p50} ms p95 ${chat.lastSocketMs.p95} ms (×${r.chat?.lastSocketRatio ?? '?'} for ×${r.chat?.socketsRatio ?? '?'} sockets)`);
  if (r.simulcast) parts.push(simulcastSummary(r.simulcast));
  if (r.janus) parts.push(janusSummary(r.janus));
  if (r.capacity) parts.push(capacitySummary(r.capacity));
  if (r.sendpath) parts.push(sendPathSummary(r.sendpath));
  if (r.scaling) parts.push(scalingSummary(r.scaling));
  if (r.warnings.length) parts.push(`${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}`);
  return `bench: ${parts.join(' | ')}`;
}

interface Results {
  date: string;
  durationSeconds: number;
  machine: ReturnType<typeof machineInfo>;
  git: ReturnType<typeof gitInfo>;
  config: typeof config;
  build?: BuildInfo;
  publisher?: {
    /** What the browser sent (audio + video, RTP payload + headers) during the 0-viewer window, kbit/s. */
    bitrateKbps: number;
    videoKbps: number;
    audioKbps: number;
    width: number | null;
    height: number | null;
    encodedFps: number;
    codec: string | null;
    encoder: string | null;
    qualityLimitationReason: string | null;
    /** Seconds from live to a settled bitrate and resolution, and whether it settled. */
    ramp: Awaited<ReturnType<typeof waitForPublisherRamp>>;
    /** What one farm viewer received at the first sweep point: the forwarded bitrate. */
    forwardedKbps: number | null;
    camera: { noise: number; width: number; height: number; fps: number; megabytes: number };
    pageErrors: string[];
  };
  ttffMs?: TtffResult['ttffMs'];
  ttff?: Omit<TtffResult, 'ttffMs'>;
  /** The same joins with BENCH_TTFF_EXISTING farm viewers already watching (ttffMs/ttff above: none). */
  ttffWithViewers?: TtffWithViewers;
  /** Glass-to-glass latency at each viewer point (latency.ts). */
  latency?: GlassToGlass | { error: string };
  /** The built viewer page's JavaScript and CSS, gzipped (page-size.ts). */
  size?: PageSize;
  sweep: Array<SweepPoint & { requestedViewers: number; joinMs: ReturnType<typeof distribution> | null; joinFailures: string[] }>;
  /** (cpu(N) − cpu(0)) / N at the largest N, % of one core per viewer. */
  cpuPerViewerPercent: number | null;
  cpuPerViewerByStep: Array<{ viewers: number; percent: number }>;
  /** 100 / cpuPerViewerPercent: viewers one core could serve at this bitrate (linear estimate). */
  viewersPerCoreEstimate: number | null;
  /** (cpu(N) − cpu(0)) / forwarded packets per second at the largest N. */
  cpuMicrosecondsPerForwardedPacket: number | null;
  /** What the node recorded of the set (it records every set; that cost is in every sweep point). */
  recording?: { files: number; megabytes: number; continuity: RecordingContinuity | null };
  /** Node CPU with and without recording, same window, each with its own publisher. */
  recordingOverhead?: RecordingOverhead;
  /** Chat fan-out: busker line → every viewer socket, at each audience size. */
  chat?: ChatFanout;
  /** Shorts: fast copy (node) speed for a 30 s range of the recorded set (or, without a live set, a synthetic recording). */
  clips?: { copyCut: CopyCutBench | null; source: 'recorded set' | 'synthetic' };
  /** Shorts: a vertical 9:16 short of a 30 s 720p range made in the studio page, side by side with ffmpeg libvpx. */
  vertical?: VerticalBench | { error: string };
  /**
   * Simulcast (issue #8): publisher and node CPU with simulcast off and on (alternating, same
   * node and studio), and the viewers a capped uplink sustains either way.
   */
  simulcast?: SimulcastBench | { error: string };
  /**
   * Curbcast side by side with Debian's Janus (issue #9): same input, same viewers, same run →
   * CPU per viewer of each and cpuPerViewerRatio (Curbcast / Janus); `skipped` without root/apt.
   */
  janus?: JanusBench;
  /** Issue #9 benchmark 1: N raised until loss or the node's CPU limit (capacity.ts). */
  capacity?: CapacityBench;
  /** µs per packet forwarded to a werift viewer: werift's sendRtp vs the fast path, side by side (sendpath.ts). */
  sendpath?: SendPathResult;
  /** Issue #9 "use every core": how forwarding splits over --forwarding-threads 0, 1, 2 and the capacity it projects (scaling.ts). */
  scaling?: ScalingBench;
  /** Why viewers left (node's log) and the node's first warnings/errors. */
  nodeLog?: NodeLogSummary;
  /** Node-reported viewers after the farm DELETEd its sessions and after the TTFF pages closed (expect 0). */
  leftoverViewers: { afterFarm: number | null; afterTtff: number | null };
  /**
   * Packets sent on non-loopback interfaces during the run, by anything on the machine, and how
   * many of them were IPv6 neighbour solicitations (the kernel looking for a router).
   */
  nonLoopbackTx: { packets: number; ipv6NeighborSolicitations: number };
  warnings: string[];
  error?: string;
}

/** The recorded set's longest recording, cut through the node's API (null when there is none to cut). */
async function benchCopyCut(baseUrl: string, token: string, dataDir: string): Promise<CopyCutBench | null> {
  const library = (await (await fetch(`${baseUrl}/api/library`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
    sets: Array<{ recordings: Array<{ id: number; status: string; durationMs: number | null }> }>;
  };
  const recording = library.sets
    .flatMap((set) => set.recordings)
    .filter((r) => (r.status === 'finalised' || r.status === 'repaired') && (r.durationMs ?? 0) > 12_000)
    .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))[0];
  const files = readdirSync(join(dataDir, 'recordings')).filter((f) => /\.(webm|mkv)$/.test(f));
  if (!recording || files.length !== 1) {
    log('clips: no single long recording to cut; skipped');
    return null;
  }
  return measureCopyCut({ baseUrl, token, recordingId: recording.id, recordingPath: join(dataDir, 'recordings', files[0]!), durationMs: recording.durationMs!, tmp });
}

// ---- the run -------------------------------------------------------------------------------------
async function main(): Promise<number> {
  const started = performance.now();
  const startedAt = new Date();
  const results: Results = {
    date: startedAt.toISOString(),
    durationSeconds: 0,
    machine: machineInfo(),
    git: gitInfo(),
    config,
    sweep: [],
    cpuPerViewerPercent: null,
    cpuPerViewerByStep: [],
    viewersPerCoreEstimate: null,
    cpuMicrosecondsPerForwardedPacket: null,
    leftoverViewers: { afterFarm: null, afterTtff: null },
    nonLoopbackTx: { packets: 0, ipv6NeighborSolicitations: 0 },
    warnings: [],
  };
  const tx0 = nonLoopbackTxPackets();
  const ns0 = ipv6NeighborSolicitations();
  try {
    results.build = ensureBuilt();
    if (selected('size')) results.size = measurePageSize(join(ROOT, 'dist/renderer'));
    const token = randomBytes(18).toString('base64url');
    if (liveSections) await runLive(results, token);
    if (selected('latency')) await runLatency(results, token);
    if (selected('simulcast')) await runSimulcast(results, token);
    if (selected('janus')) await runJanus(results, token);
    if (selected('capacity')) await runCapacity(results, token);
    if (selected('sendpath')) results.sendpath = await runSendPathSection();
    if (selected('scaling')) await runScaling(results, token);
    if (selected('clips') || selected('vertical')) await runShorts(results, token);
    addWarnings(results);
    const vertical = results.vertical;
    const failed = (vertical && ('error' in vertical || vertical.problems.length > 0)) || (results.simulcast && 'error' in results.simulcast) || (results.janus && 'error' in results.janus) || (results.capacity && 'error' in results.capacity) || (results.scaling && 'error' in results.scaling);
    return failed ? 1 : 0;
  } catch (error) {
    results.error = (error as Error).stack ?? String(error);
    if (node) results.error += `\n--- node.log (tail) ---\n${node.logTail()}`;
    return 1;
  } finally {
    await cleanup();
    const tx = (results.nonLoopbackTx = { packets: nonLoopbackTxPackets() - tx0, ipv6NeighborSolicitations: ipv6NeighborSolicitations() - ns0 });
    if (tx.packets > tx.ipv6NeighborSolicitations) {
      results.warnings.push(`${tx.packets - tx.ipv6NeighborSolicitations} packets (besides IPv6 neighbour solicitations) left on non-loopback interfaces during the run (this or another process)`);
    }
    results.durationSeconds = round((performance.now() - started) / 1000, 1);
    if (aborted) return 1; // cut short: no results file
    const json = JSON.stringify(results, null, 2);
    const path = resultsPath(startedAt.toISOString().slice(0, 10));
    writeFileSync(path, `${json}\n`);
    try {
      writeBenchmarksMd();
      log('regenerated BENCHMARKS.md');
    } catch (error) {
      log(`BENCHMARKS.md not regenerated: ${(error as Error).message}`);
    }
    process.stdout.write(`${json}\n${summaryLine(results)}\n`);
    log(`wrote ${path.slice(ROOT.length + 1)}`);
  }
}

/**
 * The live part: a publisher on the studio page, the viewer sweep, time to first frame, chat
 * fan-out and recording's overhead (each if selected); the node records the set throughout.
 */
async function runLive(results: Results, token: string): Promise<void> {
  log('making the fake camera file (noisy 1280x720 30 fps y4m)');
  const camera = makeNoisyY4m(tmp, config.camera);

  mkdirSync(join(tmp, 'data'));
  const liveNode = (node = await startNodeProcess({ dataDir: join(tmp, 'data'), token }));
  log(`node pid ${liveNode.pid} on ${liveNode.baseUrl}`);

  const pub = await startPublisher({ tmpRoot: tmp, baseUrl: liveNode.baseUrl, token, y4mPath: camera.path, contentHint: config.contentHint ?? undefined });
  publisher = pub;
  const liveDeadline = Date.now() + 10_000;
  const isLive = async (url: string) =>
    ((await fetch(`${url}/api/status`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json())) as { live: boolean }).live;
  while (!(await isLive(liveNode.baseUrl))) {
    if (Date.now() > liveDeadline) throw new Error('the page says live but /api/status does not');
    await sleep(100);
  }
  log('publisher live (studio page); waiting for its bitrate and resolution to settle');
  const ramp = await waitForPublisherRamp(pub);
  log(`publisher at ${ramp.lastKbps} kbit/s ${ramp.width}x${ramp.height} after ${ramp.seconds} s${ramp.settled ? '' : ' (not settled)'}`);

  if (selected('sweep')) await runSweep(results, liveNode, pub);

  if (selected('ttff')) {
    log(`time to first frame: ${config.ttffWarmups} warm-up + ${config.ttffJoins} joins with Chromium`);
    const ttff = await measureTtff({ tmpRoot: tmp, baseUrl: liveNode.baseUrl, joins: config.ttffJoins, warmups: config.ttffWarmups });
    const { ttffMs, ...ttffRest } = ttff;
    results.ttffMs = ttffMs;
    results.ttff = ttffRest;
    await sleep(1500);
    results.leftoverViewers.afterTtff = await nodeViewers(liveNode.baseUrl);
    results.ttffWithViewers = await measureTtffWithViewers({
      tmpRoot: tmp,
      baseUrl: liveNode.baseUrl,
      farm: (farm ??= await startViewerFarm()),
      existing: config.ttffExistingViewers,
      joins: config.ttffJoins,
      warmups: config.ttffWarmups,
      joinTimeoutMs: config.joinTimeoutMs,
      settleSeconds: config.settleSeconds,
      farmNice: config.farmNice,
    });
  }

  // Chat fan-out at two audience sizes, side by side, while the set is live.
  if (selected('chat')) {
    results.chat = await measureChatFanout({
      baseUrl: liveNode.baseUrl,
      token,
      nodePid: liveNode.pid,
      socketCounts: config.chatSockets,
      messages: config.chatMessages,
    });
  }

  // Recording's cost, side by side: a second node that does not record, with its own publisher.
  if (selected('recording')) {
    log('recording overhead: a --no-recording node with its own studio, measured in the same window');
    mkdirSync(join(tmp, 'data-plain'));
    plainNode = await startNodeProcess({ dataDir: join(tmp, 'data-plain'), token, extraArgs: ['--no-recording'] });
    plainPublisher = await startPublisher({ tmpRoot: tmp, baseUrl: plainNode.baseUrl, token, y4mPath: camera.path, contentHint: config.contentHint ?? undefined });
    await waitForPublisherRamp(plainPublisher, { minSeconds: 8, maxSeconds: 20 });
    results.recordingOverhead = await measureRecordingOverhead({
      recordingPid: liveNode.pid,
      notRecordingPid: plainNode.pid,
      recordingPublisher: pub,
      notRecordingPublisher: plainPublisher,
      windowSeconds: config.windowSeconds,
    });
    await plainPublisher.close();
    plainPublisher = undefined;
    await plainNode.stop(10_000);
    plainNode = undefined;
  }

  // The node records every set: end it the way a busker would (close the studio, stop the node),
  // then see what was written. Its cost is part of every sweep point, the baseline included.
  await pub.close();
  publisher = undefined;
  await liveNode.stop(10_000);
  results.recording = { ...recordingFiles(join(tmp, 'data')), continuity: await recordingContinuity(join(tmp, 'data')) };
  results.nodeLog = summariseNodeLog(join(tmp, 'data'));

  // Derived numbers, all from this one run.
  const base = results.sweep.find((p) => p.requestedViewers === 0);
  const loaded = results.sweep.filter((p) => p.viewers > 0);
  if (base) {
    results.cpuPerViewerByStep = loaded.map((p) => ({ viewers: p.viewers, percent: round((p.cpuPercent - base.cpuPercent) / p.viewers, 2) }));
    const top = loaded[loaded.length - 1];
    if (top) {
      results.cpuPerViewerPercent = round((top.cpuPercent - base.cpuPercent) / top.viewers, 2);
      results.viewersPerCoreEstimate = results.cpuPerViewerPercent > 0 ? Math.round(100 / results.cpuPerViewerPercent) : null;
      results.cpuMicrosecondsPerForwardedPacket =
        top.forwardedPacketsPerSecond > 0 ? round(((top.cpuPercent - base.cpuPercent) / 100 / top.forwardedPacketsPerSecond) * 1e6, 1) : null;
    }
    const rates = base.publisher;
    if (rates) {
      results.publisher = {
        bitrateKbps: rates.videoKbps + rates.audioKbps,
        videoKbps: rates.videoKbps,
        audioKbps: rates.audioKbps,
        width: rates.width,
        height: rates.height,
        encodedFps: rates.encodedFps,
        codec: rates.codec,
        encoder: rates.encoder,
        qualityLimitationReason: rates.qualityLimitationReason,
        ramp,
        forwardedKbps: loaded[0]?.perViewerKbps ?? null,
        camera: { noise: config.camera.noise, width: camera.width, height: camera.height, fps: camera.fps, megabytes: round(camera.bytes / 1e6, 0) },
        pageErrors: pub.errors.slice(0, 20),
      };
    }
  }
}

/**
 * Simulcast: its own node (--ice-ports) and studio, publisher CPU off/on/off/on and, where tc can
 * shape lo, the capped uplink (simulcast.ts). A failure is the section's own: the others' numbers stand.
 */
async function runSimulcast(results: Results, token: string): Promise<void> {
  const cameraPath = join(tmp, `camera-${config.camera.width}x${config.camera.height}-${config.camera.fps}.y4m`);
  if (!existsSync(cameraPath)) {
    log('making the fake camera file (noisy 1280x720 30 fps y4m)');
    makeNoisyY4m(tmp, config.camera);
  }
  log(`simulcast: publisher CPU off/on/off/on, then the viewers a ${config.simulcast.uplinkKbit / 1000} Mbit/s uplink sustains (budget ${config.simulcast.budgetSeconds} s)`);
  simulcast = simulcastSection({ tmp, token, cameraPath, joinTimeoutMs: config.joinTimeoutMs, ...config.simulcast });
  try {
    results.simulcast = await simulcast.run();
    const s = results.simulcast;
    log(`simulcast: ${simulcastSummary(s)} (${s.seconds} s)`);
    results.warnings.push(...s.warnings.map((w) => `simulcast: ${w}`));
  } catch (error) {
    results.simulcast = { error: (error as Error).message };
    log(`simulcast: FAILED: ${(error as Error).message}`);
  } finally {
    simulcast = undefined;
  }
}

/** The capacity sweep (capacity.ts). A failure is the section's own: the others' numbers stand. */
async function runCapacity(results: Results, token: string): Promise<void> {
  const c = config.capacity;
  capacity = capacitySection({ tmp, token, joinTimeoutMs: config.joinTimeoutMs, ...c });
  try {
    results.capacity = await capacity.run();
    const r = results.capacity;
    log(`capacity: ${capacitySummary(r)}`);
    if ('warnings' in r) results.warnings.push(...r.warnings.map((w) => `capacity: ${w}`));
  } catch (error) {
    results.capacity = { error: (error as Error).message };
    log(`capacity: FAILED: ${(error as Error).message}`);
  } finally {
    capacity = undefined;
  }
}

/** How forwarding splits over threads (scaling.ts). A failure is the section's own: the others' numbers stand. */
async function runScaling(results: Results, token: string): Promise<void> {
  scaling = scalingSection({ tmp, token, joinTimeoutMs: config.joinTimeoutMs, ...config.scaling });
  try {
    results.scaling = await scaling.run();
    const r = results.scaling;
    log(scalingSummary(r));
    if ('warnings' in r) results.warnings.push(...r.warnings.map((w) => `scaling: ${w}`));
  } catch (error) {
    results.scaling = { error: (error as Error).message };
    log(`scaling: FAILED: ${(error as Error).message}`);
  } finally {
    scaling = undefined;
  }
}

/** Curbcast vs Debian's Janus (janus.ts). A failure is the section's own: the others' numbers stand. */
async function runJanus(results: Results, token: string): Promise<void> {
  const c = config.janus;
  log(`janus: Curbcast and Debian's Janus side by side at ${c.viewerSteps.join(', ')} viewers, ${c.rounds} round(s) (budget ${c.budgetSeconds} s)`);
  janus = janusSection({ tmp, token, joinTimeoutMs: config.joinTimeoutMs, ...c });
  try {
    results.janus = await janus.run();
    const j = results.janus;
    log(`janus: ${janusSummary(j)}`);
    if ('warnings' in j) results.warnings.push(...j.warnings.map((w) => `janus: ${w}`));
  } catch (error) {
    results.janus = { error: (error as Error).message };
    log(`janus: FAILED: ${(error as Error).message}`);
  } finally {
    janus = undefined;
  }
}

/**
 * Shorts. The fast copy cuts the set the publisher recorded when there was one; otherwise (and for
 * the vertical short, always) a synthetic 35 s 1280×720 recording in a library of its own.
 */
async function runShorts(results: Results, token: string): Promise<void> {
  if (selected('clips') && liveSections) {
    log('clips: fast copy of a 30 s range of the recorded set, side by side with ffmpeg -c copy');
    const clipsNode = (node = await startNodeProcess({ dataDir: join(tmp, 'data'), token, extraArgs: ['--no-recording'] }));
    results.clips = { source: 'recorded set', copyCut: await benchCopyCut(clipsNode.baseUrl, token, join(tmp, 'data')) };
    await clipsNode.stop(10_000);
  }
  const clipsOnSynthetic = selected('clips') && !liveSections;
  if (!clipsOnSynthetic && !selected('vertical')) return;

  log('shorts: a 35 s 1280x720 30 fps recording (ffmpeg testsrc2, VP8 + Opus) in a library of its own');
  const source: VerticalSource = await makeVerticalSource(tmp, 35);
  const shortsNode = (node = await startNodeProcess({ dataDir: source.dataDir, token, extraArgs: ['--no-recording'] }));
  if (clipsOnSynthetic) {
    log('clips: fast copy of a 30 s range of the synthetic recording, side by side with ffmpeg -c copy');
    results.clips = { source: 'synthetic', copyCut: await benchCopyCut(shortsNode.baseUrl, token, source.dataDir) };
  }
  if (selected('vertical')) {
    log(`vertical: ${config.verticalRuns} × a 9:16 short of 30 s made in the studio page (Chromium), each followed by ffmpeg libvpx`);
    try {
      results.vertical = await measureVerticalEncode({ baseUrl: shortsNode.baseUrl, token, source, tmp, runs: config.verticalRuns, rangeSeconds: 30 });
      const v = results.vertical;
      log(`vertical: page ${v.pageEncodeSeconds} s (×${v.pageTimesRealtime}), ffmpeg ${v.ffmpegSeconds} s (×${v.ffmpegTimesRealtime})`);
      for (const problem of v.problems) log(`vertical: FAILED: ${problem}`);
    } catch (error) {
      // The section fails on its own (and the bench exits 1); the other sections' numbers stand.
      results.vertical = { error: (error as Error).message };
      log(`vertical: FAILED: ${(error as Error).message}`);
      if (shortsNode.exited) results.vertical.error += `\n--- node.log (tail) ---\n${shortsNode.logTail()}`;
    }
  }
  await shortsNode.stop(10_000);
}

/** The viewer sweep: 0 viewers (the baseline), then each step, all against the same publisher. */
async function runSweep(results: Results, liveNode: NodeProcess, pub: BrowserPublisher): Promise<void> {
  const viewerFarm = (farm = await startViewerFarm());
  log(`viewer farm pid ${viewerFarm.pid}`);
  const steps = [0, ...config.viewerSteps];
  for (const target of steps) {
    let joinMs: number[] = [];
    const joinFailures: string[] = [];
    const have = (await viewerFarm.snapshot()).viewers.length;
    if (target > have) {
      log(`ramping to ${target} viewers`);
      const added = await viewerFarm.add(liveNode.baseUrl, target - have, config.joinTimeoutMs);
      joinMs = added.joinMs;
      joinFailures.push(...added.failed.map((f) => f.error));
      await sleep(config.settleSeconds * 1000);
    }
    log(`measuring ${target} viewers for ${config.windowSeconds} s`);
    const point = await measurePoint({
      nodePid: liveNode.pid,
      baseUrl: liveNode.baseUrl,
      farm: viewerFarm,
      publisher: pub,
      windowSeconds: config.windowSeconds,
    });
    results.sweep.push({
      ...point,
      requestedViewers: target,
      joinMs: joinMs.length ? distribution(joinMs) : null,
      joinFailures,
    });
    log(`  ${point.viewers} viewers: node ${point.cpuPercent}% CPU, ${point.rssMB} MB; ${point.perViewerKbps} kbit/s per viewer, loss ${point.lossPercent}%`);
    if (liveNode.exited) throw new Error(`the node exited during the sweep:\n${liveNode.logTail()}`);
  }

  const stop = await viewerFarm.stopViewers();
  if (stop.deleteFailures) results.warnings.push(`${stop.deleteFailures} WHEP DELETEs failed at the end of the sweep`);
  await sleep(1000);
  results.leftoverViewers.afterFarm = await nodeViewers(liveNode.baseUrl);
}

/** Glass-to-glass: its own node (recording, as always) and canvas clock publisher (latency.ts). */
async function runLatency(results: Results, token: string): Promise<void> {
  log(`latency: glass-to-glass at ${config.latency.viewerPoints.join(', ')} viewers (1 measured Chromium viewer + farm viewers), ${config.latency.windowSeconds} s each`);
  mkdirSync(join(tmp, 'data-latency'));
  const latencyNode = (node = await startNodeProcess({ dataDir: join(tmp, 'data-latency'), token }));
  try {
    results.latency = await measureGlassToGlass({
      tmpRoot: tmp,
      baseUrl: latencyNode.baseUrl,
      token,
      nodePid: latencyNode.pid,
      farm: (farm ??= await startViewerFarm()),
      viewerPoints: config.latency.viewerPoints,
      windowSeconds: config.latency.windowSeconds,
      settleSeconds: config.latency.settleSeconds,
      audio: config.latency.audio,
      farmNice: config.farmNice,
      joinTimeoutMs: config.joinTimeoutMs,
    });
  } catch (error) {
    // The section fails on its own; the others' numbers stand.
    results.latency = { error: (error as Error).message };
    log(`latency: FAILED: ${(error as Error).message}`);
    if (latencyNode.exited) results.latency.error += `\n--- node.log (tail) ---\n${latencyNode.logTail()}`;
  }
  await latencyNode.stop(10_000);
}

function addWarnings(r: Results): void {
  const w = r.warnings;
  const pub = r.publisher;
  if (pub && pub.bitrateKbps < 1500) w.push(`publisher sent only ${pub.bitrateKbps} kbit/s (expected ~2000–2500)`);
  if (pub && (pub.width !== 1280 || pub.height !== 720)) {
    w.push(
      `publisher sent ${pub.width}x${pub.height}, not 1280x720 (Chromium's qualityLimitationReason: ${pub.qualityLimitationReason}; BENCH_CONTENT_HINT=detail holds 720p)`,
    );
  }
  if (pub && !pub.ramp.settled) w.push('publisher bitrate had not settled before the baseline window');
  for (const p of r.sweep) {
    if (p.viewers !== p.requestedViewers) w.push(`${p.requestedViewers} viewers requested, ${p.viewers} joined (${p.joinFailures.slice(0, 3).join('; ')})`);
    if (p.lossPercent >= 1) w.push(`${p.lossPercent}% loss at ${p.viewers} viewers (worst viewer ${p.worstViewerLossPercent}%)`);
    if (p.stalledViewers) w.push(`${p.stalledViewers} of ${p.viewers} viewers received no video during the window`);
    if (p.nodeReportedViewers !== null && p.nodeReportedViewers !== p.viewers) w.push(`node reported ${p.nodeReportedViewers} viewers, farm had ${p.viewers}`);
    if (p.machineBusyPercent >= 90) w.push(`machine ${p.machineBusyPercent}% busy at ${p.viewers} viewers: CPU numbers are contended`);
    const nd = p.udpDrops.node;
    if (nd.total > 0) {
      w.push(
        `${nd.total} UDP datagrams dropped at the node's sockets (receive buffer full) at ${p.viewers} viewers; ${nd.worstSocket} at one socket (of ${nd.socketsWithDrops} with drops)`,
      );
    }
    if (p.udpDrops.farm.total > 0) w.push(`${p.udpDrops.farm.total} UDP datagrams dropped at the viewer farm's sockets at ${p.viewers} viewers (test viewers fell behind)`);
    if (p.farmCpuPercent >= 90) w.push(`viewer farm at ${p.farmCpuPercent}% of a core at ${p.viewers} viewers: receive rates may be the farm's limit`);
    if (p.publisher && pub && p.publisher.videoKbps < pub.videoKbps * 0.7) w.push(`publisher video fell to ${p.publisher.videoKbps} kbit/s at ${p.viewers} viewers`);
  }
  if (r.ttffMs && r.ttffMs.n < r.config.ttffJoins) w.push(`only ${r.ttffMs.n} of ${r.config.ttffJoins} TTFF joins succeeded: ${r.ttff?.failures.slice(0, 3).join('; ')}`);
  else if (r.ttff?.failures.length) w.push(`${r.ttff.failures.length} TTFF join(s) failed and were replaced: ${r.ttff.failures.slice(0, 3).join('; ')}`);
  if (r.leftoverViewers.afterFarm) w.push(`${r.leftoverViewers.afterFarm} viewers still counted after the farm DELETEd all its sessions`);
  const v = r.vertical;
  if (v && !('error' in v)) {
    if (v.loadAverage1m >= r.machine.cores) w.push(`load average ${v.loadAverage1m} on ${r.machine.cores} cores as the vertical shorts began: their wall times are contended (CPU seconds less so)`);
    if (v.pageErrors.length) w.push(`the studio page logged ${v.pageErrors.length} error(s) while making vertical shorts: ${v.pageErrors.slice(0, 2).join('; ')}`);
  }
  const tw = r.ttffWithViewers;
  if (tw && tw.ttffMs.n < r.config.ttffJoins) w.push(`only ${tw.ttffMs.n} of ${r.config.ttffJoins} TTFF joins with viewers watching succeeded: ${tw.failures.slice(0, 3).join('; ')}`);
  for (const [label, t] of [['', r.ttff], [` with ${tw?.existingViewers} watching`, tw]] as const) {
    if (t && t.machineBusyPercent >= 90) w.push(`machine ${t.machineBusyPercent}% busy during the TTFF joins${label}: contended`);
  }
  if (tw && tw.existingViewers < tw.requestedViewers) w.push(`TTFF with viewers: ${tw.existingViewers} of ${tw.requestedViewers} farm viewers watching (${tw.farmJoinFailures.slice(0, 2).join('; ')})`);
  const g = r.latency;
  if (g && !('error' in g)) {
    for (const p of g.points) {
      if (p.samples < p.windowSeconds * 10) w.push(`glass-to-glass at ${p.viewers} viewers: only ${p.samples} frames read in ${p.windowSeconds} s (${p.misreads} misreads)`);
      if (p.machineBusyPercent >= 90) w.push(`machine ${p.machineBusyPercent}% busy during the glass-to-glass window at ${p.viewers} viewers: latency includes CPU contention`);
    }
    if (Math.abs(g.clock.correctionUsedMs) > 5) w.push(`the two Chromium clocks differed by ${g.clock.correctionUsedMs} ms (corrected)`);
  }
  if (r.leftoverViewers.afterTtff) w.push(`${r.leftoverViewers.afterTtff} viewers still counted 1.5 s after every TTFF page closed`);
}

process.exitCode = await main();
// Anything still holding the event loop (a stray socket) must not keep the bench alive.
setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
