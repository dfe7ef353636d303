/**
 * `npm run soak` (opt-in, not in CI): a bounded live set with viewers joining and leaving all the
 * time and chat going on, to show the node does not grow: RSS flat within ±10% after warm-up, and
 * its gauges (sessions, peers, timers, sockets, listeners) back where they started at the end.
 *
 *   npm run soak                      20 minutes
 *   npm run soak -- --minutes 3       a shorter run
 *   npm run soak -- --publisher werift   a synthetic VP8 publisher instead of Chromium (lighter)
 *
 * Processes: this one (viewers: werift WHEP clients; chat: events sockets) · the node under test
 * (`node bin/curbcast.js serve`, RSS from /proc, gauges from GET /api/admin/gauges) · Chromium for
 * the publisher (the studio page with a noisy 720p y4m file as its camera, as `npm run bench`).
 *
 * Prints one JSON object and a summary line on stdout (progress on stderr) and writes the JSON to
 * bench/results/soak-<date>.json. Exit status 0 when flat and clean, 1 when not, 2 when it failed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { Gauges } from '../../server/diagnostics/gauges.js';
import { ensureBuilt, ROOT, startNodeProcess, summariseNodeLog, type NodeProcess } from '../bench/node-process.js';
import { rssMB } from '../bench/proc-stats.js';
import { startPublisher, type BrowserPublisher } from '../bench/publisher.js';
import { log, round, sleep, withTimeout } from '../bench/stats.js';
import { makeNoisyY4m } from '../bench/y4m.js';
import { playWithWerift, publishWithWerift, type TestPublisher, type TestViewer } from '../helpers/werift-client.js';

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: 'string', default: '20' },
    publisher: { type: 'string', default: 'chromium' },
    'min-viewers': { type: 'string', default: '10' },
    'max-viewers': { type: 'string', default: '15' },
    'chat-sockets': { type: 'string', default: '8' },
  },
});
const num = (value: string | undefined, name: string, min: number, max: number) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`soak: --${name} must be ${min}–${max}, not "${value}"\n`);
    process.exit(2);
  }
  return n;
};
const minutes = num(args.minutes, 'minutes', 0.5, 240);
if (args.publisher !== 'chromium' && args.publisher !== 'werift') {
  process.stderr.write('soak: --publisher is chromium or werift\n');
  process.exit(2);
}
const config = {
  minutes,
  publisher: args.publisher as 'chromium' | 'werift',
  /** Viewers at once: the target moves between these. */
  minViewers: num(args['min-viewers'], 'min-viewers', 0, 100),
  maxViewers: num(args['max-viewers'], 'max-viewers', 1, 100),
  /** How long one viewer stays, s. */
  stay: { min: 5, max: 60 },
  /** Leaving viewers that just vanish (no DELETE): the node's silence watch must drop them. */
  vanishShare: 0.2,
  chatSockets: num(args['chat-sockets'], 'chat-sockets', 0, 200),
  /** Each chat socket says something every 3–6 s, and is replaced (closed or dropped) every 30–90 s. */
  chatEvery: { min: 3, max: 6 },
  socketLife: { min: 30, max: 90 },
  sampleSeconds: 10,
  /** Samples before this are warm-up (allocators and JIT reach their working size). */
  warmupSeconds: Math.round(Math.min(180, Math.max(60, minutes * 60 * 0.25))),
  /** RSS after warm-up must stay within this of its mean, %. */
  flatPercent: 10,
};
const TOKEN = 'soak-token-0123456789abcdef';

// ---- cleanup ------------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'curbcast-soak-'));
let node: NodeProcess | undefined;
let chromium: BrowserPublisher | undefined;
let werift: TestPublisher | undefined;
const viewers = new Set<{ viewer: TestViewer; leaveAt: number }>();
const sockets = new Set<WebSocket>();
let stopping = false;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopping = true;
    for (const socket of sockets) socket.terminate();
    await Promise.all([...viewers].map(({ viewer }) => viewer.stop().catch(() => undefined)));
    await chromium?.close().catch(() => undefined);
    await werift?.stop().catch(() => undefined);
    await node?.stop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
function abort(reason: string, code: number): void {
  log(`aborting: ${reason}`);
  node?.killNow();
  void withTimeout(cleanup(), 15_000, 'cleanup')
    .catch(() => rmSync(tmp, { recursive: true, force: true }))
    .finally(() => process.exit(code));
}
process.once('SIGINT', () => abort('SIGINT', 130));
process.once('SIGTERM', () => abort('SIGTERM', 143));
// Bounded: the run, plus start-up, the publisher's ramp and the end's settling.
const watchdog = setTimeout(() => abort(`still running after ${minutes} min + 5 min`, 124), (minutes * 60 + 300) * 1000);
watchdog.unref();

// ---- helpers ------------------------------------------------------------------------------------
const between = (range: { min: number; max: number }) => range.min + Math.random() * (range.max - range.min);

async function gauges(gc = false): Promise<Gauges> {
  const res = await fetch(`${node!.baseUrl}/api/admin/gauges${gc ? '?gc=1' : ''}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`gauges: ${res.status} ${await res.text()}`);
  return (await res.json()) as Gauges;
}

/**
 * What must come back to where it started (counts only; memory is judged on its own). Node's own
 * Timeout count is reported beside it but not required equal: HTTP keep-alive sockets and the
 * recorder's keyframe asks come and go with it.
 */
function countsOf(g: Gauges) {
  return {
    viewerSessions: g.sfu.viewerSessions,
    viewersConnected: g.sfu.viewersConnected,
    open: Object.fromEntries(Object.entries(g.open).filter(([, n]) => n !== 0)),
    timers: g.timers,
    eventsSockets: g.sockets.events,
    listeners: g.listeners,
    udpSockets: g.resources.UDPWrap ?? 0,
  };
}

const stats = { joins: 0, joinFailures: 0, deletes: 0, vanished: 0, chatSent: 0, chatHeard: 0, socketsOpened: 0, socketsDropped: 0, errors: [] as string[] };
const note = (error: unknown) => {
  if (stats.errors.length < 20) stats.errors.push(String((error as Error)?.message ?? error).slice(0, 200));
};

async function joinViewer(): Promise<void> {
  const viewer = await playWithWerift(node!.baseUrl);
  if (viewer.status !== 201) {
    await viewer.stop();
    throw new Error(`WHEP ${viewer.status}: ${viewer.answer.slice(0, 120)}`);
  }
  const entry = { viewer, leaveAt: Date.now() + between(config.stay) * 1000 };
  viewers.add(entry);
  try {
    await viewer.waitForPackets(5, 15_000);
    stats.joins++;
  } catch (error) {
    viewers.delete(entry);
    await leave(entry.viewer, false);
    throw error;
  }
}

async function leave(viewer: TestViewer, vanish: boolean): Promise<void> {
  if (!vanish && viewer.location) {
    const res = await fetch(`${node!.baseUrl}${viewer.location}`, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (res?.status === 200) stats.deletes++;
  } else stats.vanished++;
  await viewer.stop().catch(() => undefined);
}

/** Keeps the number of viewers near a target that itself wanders between min and max. */
async function viewerLoop(): Promise<void> {
  let target = Math.round(between({ min: config.minViewers, max: config.maxViewers }));
  let retargetAt = Date.now() + 30_000;
  let joining = 0;
  while (!stopping) {
    const now = Date.now();
    if (now > retargetAt) {
      target = Math.round(between({ min: config.minViewers, max: config.maxViewers }));
      retargetAt = now + 30_000;
    }
    for (const entry of [...viewers]) {
      if (entry.leaveAt > now) continue;
      viewers.delete(entry);
      void leave(entry.viewer, Math.random() < config.vanishShare);
    }
    // One join at a time (at most two in flight): a steady trickle, as passers-by come.
    if (viewers.size + joining < target && joining < 2) {
      joining++;
      void joinViewer()
        .catch((error: unknown) => {
          stats.joinFailures++;
          note(error);
        })
        .finally(() => joining--);
    }
    await sleep(700);
  }
}

/** One chatting page: hello, a line every few seconds, then gone (closed, or dropped without a word). */
async function chatter(index: number): Promise<void> {
  while (!stopping) {
    const socket = new WebSocket(`ws://127.0.0.1:${node!.port}/events`);
    sockets.add(socket);
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      stats.socketsOpened++;
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'chat') stats.chatHeard++;
      });
      socket.on('error', () => undefined);
      socket.send(JSON.stringify({ type: 'hello', clientId: `soak-${index}-${stats.socketsOpened}-${'x'.repeat(12)}`, name: `Soak ${index}` }));
      const until = Date.now() + between(config.socketLife) * 1000;
      while (!stopping && Date.now() < until && socket.readyState === socket.OPEN) {
        await sleep(between(config.chatEvery) * 1000);
        if (socket.readyState !== socket.OPEN) break;
        socket.send(JSON.stringify({ type: 'chat', text: `soak line ${stats.chatSent} from ${index}` }));
        stats.chatSent++;
      }
    } catch (error) {
      note(error);
      await sleep(2000);
    }
    if (Math.random() < 0.3) {
      socket.terminate();
      stats.socketsDropped++;
    } else socket.close();
    sockets.delete(socket);
  }
}

interface Sample {
  t: number;
  rssMB: number;
  heapUsedMB: number;
  viewersHere: number;
  viewerSessions: number;
  viewersConnected: number;
  eventsSockets: number;
  open: Record<string, number>;
  udpSockets: number;
  activeTimers: number;
  listeners: number;
}

function sampleOf(g: Gauges, t: number, pid: number): Sample {
  return {
    t: Math.round(t),
    rssMB: round(rssMB(pid), 1),
    heapUsedMB: round(g.memory.heapUsed / 2 ** 20, 1),
    viewersHere: viewers.size,
    viewerSessions: g.sfu.viewerSessions,
    viewersConnected: g.sfu.viewersConnected,
    eventsSockets: g.sockets.events,
    open: g.open,
    udpSockets: g.resources.UDPWrap ?? 0,
    activeTimers: g.resources.Timeout ?? 0,
    listeners: Object.values(g.listeners).reduce((a, b) => a + b, 0),
  };
}

/** Least-squares slope of y over t, per minute. */
function slopePerMinute(points: Array<{ t: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

// ---- the run ------------------------------------------------------------------------------------
async function run() {
  const started = new Date();
  const build = ensureBuilt();
  // --expose-gc in the node only, so the gauges can be read after a full collection at the end.
  const nodeOptions = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --expose-gc`.trim();
  try {
    node = await startNodeProcess({ dataDir: join(tmp, 'data'), token: TOKEN, extraArgs: ['--max-viewers-per-ip', '200'] });
  } finally {
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
  }
  log(`node ${node.pid} on ${node.baseUrl}; ${config.publisher} publisher; ${minutes} min, warm-up ${config.warmupSeconds} s`);
  const beforeLive = await gauges(true);

  if (config.publisher === 'chromium') {
    const camera = makeNoisyY4m(tmp, { width: 1280, height: 720, fps: 30, seconds: 10, noise: 10 });
    chromium = await startPublisher({ tmpRoot: tmp, baseUrl: node.baseUrl, token: TOKEN, y4mPath: camera.path });
  } else {
    werift = await publishWithWerift(node.baseUrl, TOKEN);
    if (werift.status !== 201) throw new Error(`WHIP ${werift.status}: ${werift.answer}`);
    werift.startMedia();
  }
  const deadline = Date.now() + 30_000;
  while (!(await gauges()).sfu.live) {
    if (Date.now() > deadline) throw new Error('the publisher did not go live in 30 s');
    await sleep(500);
  }
  await sleep(3000);
  const start = await gauges(true);
  log(`live; gauges at start: ${JSON.stringify(countsOf(start))}`);

  const t0 = performance.now();
  const samples: Sample[] = [];
  const loops = [viewerLoop(), ...Array.from({ length: config.chatSockets }, (_, i) => chatter(i))];
  const endAt = t0 + minutes * 60_000;
  while (performance.now() < endAt) {
    await sleep(Math.min(config.sampleSeconds * 1000, Math.max(0, endAt - performance.now())));
    const g = await gauges().catch((error: unknown) => (note(error), undefined));
    if (!g) continue;
    const sample = sampleOf(g, (performance.now() - t0) / 1000, node.pid);
    samples.push(sample);
    if (!g.sfu.live) throw new Error(`the set went offline at ${sample.t} s`);
    log(
      `t=${sample.t}s rss ${sample.rssMB} MB heap ${sample.heapUsedMB} MB · viewers ${sample.viewersConnected}/${sample.viewerSessions} · sockets ${sample.eventsSockets} · udp ${sample.udpSockets} timers ${sample.activeTimers} · joins ${stats.joins} chat ${stats.chatSent}`,
    );
  }

  // Everyone leaves; the vanished ones are dropped by the node's timeouts (silence 10 s, heartbeat 20 s).
  stopping = true;
  await Promise.all(loops);
  await Promise.all([...viewers].map(({ viewer }) => leave(viewer, false)));
  viewers.clear();
  for (const socket of sockets) socket.close();
  sockets.clear();
  const settleStarted = Date.now();
  let end = await gauges(true);
  const clean = (g: Gauges) => JSON.stringify(countsOf(g)) === JSON.stringify(countsOf(start));
  while (!clean(end) && Date.now() - settleStarted < 60_000) {
    await sleep(2000);
    end = await gauges(true);
  }
  const settleSeconds = round((Date.now() - settleStarted) / 1000, 0);
  log(`gauges at end (after ${settleSeconds} s): ${JSON.stringify(countsOf(end))}`);

  const steady = samples.filter((s) => s.t >= config.warmupSeconds);
  const rss = steady.map((s) => s.rssMB);
  const mean = rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length);
  const min = Math.min(...rss);
  const max = Math.max(...rss);
  const rssSummary = {
    samples: rss.length,
    firstMB: rss[0] ?? null,
    lastMB: rss.at(-1) ?? null,
    minMB: min,
    maxMB: max,
    meanMB: round(mean, 1),
    /** Largest distance of any sample from the mean, % of the mean. */
    maxDeviationPercent: round((Math.max(max - mean, mean - min) / mean) * 100, 1),
    /** Last minus first sample after warm-up, % of the first. */
    driftPercent: rss.length ? round(((rss.at(-1)! - rss[0]!) / rss[0]!) * 100, 1) : null,
    slopeMBPerMinute: round(slopePerMinute(steady.map((s) => ({ t: s.t, y: s.rssMB }))), 2),
    heapSlopeMBPerMinute: round(slopePerMinute(steady.map((s) => ({ t: s.t, y: s.heapUsedMB }))), 3),
  };
  const flat = rss.length >= 2 && rssSummary.maxDeviationPercent <= config.flatPercent;
  const gaugesBack = clean(end);
  const results = {
    kind: 'soak',
    date: started.toISOString(),
    config,
    machine: { cores: cpus().length, node: process.version, loadAverage1mAtStart: round(loadavg()[0] ?? 0, 2) },
    build,
    rss: rssSummary,
    rssBeforeLiveMB: round(beforeLive.memory.rss / 2 ** 20, 1),
    rssAtStartMB: round(start.memory.rss / 2 ** 20, 1),
    rssAtEndAfterGcMB: round(end.memory.rss / 2 ** 20, 1),
    heapAtStartAfterGcMB: round(start.memory.heapUsed / 2 ** 20, 1),
    heapAtEndAfterGcMB: round(end.memory.heapUsed / 2 ** 20, 1),
    gauges: {
      start: countsOf(start),
      end: countsOf(end),
      backToStart: gaugesBack,
      settleSeconds,
      activeTimers: { start: start.resources.Timeout ?? 0, end: end.resources.Timeout ?? 0 },
      /** Objects not yet collected after a forced GC: a closed viewer still here would be a leak. */
      inMemoryAfterGc: { start: start.inMemory, end: end.inMemory },
    },
    traffic: { ...stats, peakViewers: Math.max(0, ...samples.map((s) => s.viewersConnected)) },
    verdict: { rssFlat: flat, gaugesBack, ok: flat && gaugesBack },
    nodeLog: summariseNodeLog(join(tmp, 'data')),
    samples,
  };
  return results;
}

function resultsPath(date: string): string {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  let path = join(dir, `soak-${date}.json`);
  for (let i = 2; existsSync(path); i++) path = join(dir, `soak-${date}-${i}.json`);
  return path;
}

try {
  const results = await run();
  const path = resultsPath(results.date.slice(0, 10));
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
  const r = results.rss;
  process.stdout.write(
    `soak ${minutes} min (${config.publisher} publisher, ${results.traffic.joins} joins, ${results.traffic.vanished} vanished, ${results.traffic.chatSent} chat lines): ` +
      `RSS after warm-up ${r.minMB}–${r.maxMB} MB (mean ${r.meanMB}, max deviation ${r.maxDeviationPercent}%, drift ${r.driftPercent}%, ${r.slopeMBPerMinute} MB/min) ` +
      `${results.verdict.rssFlat ? 'flat' : 'NOT FLAT'}; gauges at end ${results.gauges.backToStart ? 'back to start' : 'NOT back to start'} ` +
      `(heap after GC ${results.heapAtStartAfterGcMB} → ${results.heapAtEndAfterGcMB} MB); ${path}\n`,
  );
  await cleanup();
  process.exit(results.verdict.ok ? 0 : 1);
} catch (error) {
  log(`soak failed: ${String((error as Error)?.stack ?? error)}`);
  if (node) log(`node log tail:\n${node.logTail(20)}`);
  await withTimeout(cleanup(), 15_000, 'cleanup').catch(() => undefined);
  process.stdout.write(`soak: FAILED — ${String((error as Error)?.message ?? error).split('\n')[0]}\n`);
  process.exit(2);
}
