/**
 * The simulcast section (issue #8): what simulcast costs the busker's laptop, and what it buys when
 * the laptop's uplink is the limit. Side by side in one run, since the machine is noisy.
 *
 * One node (`--ice-ports` on a 256-port block, so one tc filter matches all its media sockets) and
 * one studio publisher (Chromium, the noisy 720p y4m camera) go live four times: simulcast off, on,
 * off, on (End set between; the studio's checkbox, remembered in localStorage, set before Go live).
 *
 * - **Publisher CPU**, every time: after the publisher's ramp, a window of CPU of the whole Chromium
 *   process tree (browser, renderer, GPU, utility processes) and of the node, with what the
 *   publisher sent per layer. `cpuRatio` = mean(on) / mean(off).
 * - **Capped uplink**, the last off and on: the node's media egress (UDP from its port block) is
 *   shaped to 10 Mbit/s on lo from the start of the section, before any media flows (adding tc's
 *   root disturbs all of lo briefly). Farm viewers (werift, which send receiver reports like
 *   browsers) join in steps; after each step a settle (layer choice takes a few seconds), then a
 *   window: per viewer, video loss (sequence gaps) and video kbit/s. A viewer is sustained with
 *   loss < 2% and ≥ 100 kbit/s of video. A mode stops once fewer than half its viewers are
 *   sustained, or when the section's time budget would run out; `maxSustained` is the largest step
 *   at which ≥ 90% were sustained. Where tc cannot shape, this part says `skipped: <reason>`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shapeUdp, whyTrafficCannotBeShaped } from '../helpers/traffic-shaper.js';
import { startViewerFarm, type ViewerFarm } from './farm-client.js';
import { startNodeProcess, summariseNodeLog, type NodeLogSummary, type NodeProcess } from './node-process.js';
import { measureWindow, treeCpuMeter, udpLocalPorts } from './proc-stats.js';
import { publisherRates, startPublisher, waitForPublisherRamp, type BrowserPublisher, type LayerRates } from './publisher.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';
import { nodeViewers, viewerVideoRates, type ViewerVideo } from './sweep.js';

const run = promisify(execFile);

export interface SimulcastOptions {
  tmp: string;
  token: string;
  cameraPath: string;
  /** The whole section, seconds: viewer steps that would not fit are not started. */
  budgetSeconds: number;
  /** Publisher CPU window, seconds. */
  cpuWindowSeconds: number;
  /** The capped uplink, kbit/s (tc counts whole frames: payload + UDP/IP/link headers). */
  uplinkKbit: number;
  viewerSteps: number[];
  settleSeconds: number;
  stepWindowSeconds: number;
  joinTimeoutMs: number;
  /** A viewer is sustained below this video loss… */
  maxLossPercent: number;
  /** …with at least this much video. */
  minVideoKbps: number;
}

/** What the publisher sent in a window, per layer (one without simulcast). */
export interface SentVideo {
  videoKbps: number;
  audioKbps: number;
  layers: LayerRates[];
  /**
   * The encoder's time per second of wall time (totalEncodeTime), ms. With simulcast Chromium times
   * every layer from the frame's encode start (the layers come out of one encode call), so the
   * layers overlap: the largest is the frame's encode time, not their sum.
   */
  encodeMsPerSecond: number;
  /** The top layer's (Chromium reports it per layer; they agree). */
  qualityLimitationReason: string | null;
  encoder: string | null;
}

export interface CpuRun {
  simulcast: boolean;
  /** The browser process tree, % of one core. */
  publisherCpuPercent: number;
  publisherProcesses: number;
  nodeCpuPercent: number;
  machineBusyPercent: number;
  windowSeconds: number;
  ramp: Awaited<ReturnType<typeof waitForPublisherRamp>>;
  sent: SentVideo | null;
}

export interface UplinkStep {
  requestedViewers: number;
  viewers: number;
  sustained: number;
  /** sustained / requested (a viewer that failed to join is not sustained). */
  sustainedPercent: number;
  videoKbps: Distribution;
  videoLossPercent: Distribution;
  /** Viewers by the size of the last keyframe they received (the layer the node sends them). */
  layers: Record<string, number>;
  /** Keyframes the viewers received in the window, all together (a layer switch starts at one). */
  keyframes: number;
  /** Sequence numbers all viewers together asked to have resent, per second (NACKs, paced like Chromium's). */
  nackedPacketsPerSecond: number;
  /** What went through the shaped class in the window, and what its queue dropped. */
  link: { kbps: number; droppedPackets: number } | null;
  nodeCpuPercent: number;
  farmCpuPercent: number;
  machineBusyPercent: number;
  udpDrops: { node: number; farm: number };
  nodeReportedViewers: number | null;
  publisher: SentVideo | null;
  joinFailures: string[];
  /** Per viewer: [video kbit/s, video loss %, layer height or null]. */
  perViewer: Array<[number, number, number | null]>;
  /**
   * Viewers that received no video at all in the window although the node counts them: the farm's
   * index, its peer's state, and the size of the last keyframe it got (the layer it was left on).
   */
  stalled: Array<{ index: number; state: string; lastKeyframe: string | null }>;
  /**
   * When the first window fell short while the node dropped datagrams at its sockets or the machine
   * was saturated (CPU, not the link), the step was measured once more: the first window, in short.
   */
  firstWindow?: { sustained: number; videoLossPercentP50: number; nodeUdpDrops: number; machineBusyPercent: number };
}

export interface UplinkMode {
  simulcast: boolean;
  steps: UplinkStep[];
  /** The largest step at which ≥ 90% of viewers were sustained (0: none). */
  maxSustained: number;
  /** The sweep ended (time budget, or no more steps) with its last step still sustained: the link may carry more. */
  maxSustainedIsLowerBound: boolean;
  stoppedBecause: 'fewer than half sustained' | 'time budget' | 'all steps done';
  /** Seconds from Go live to the sweep's start (ramp). */
  rampSeconds: number;
}

export interface SimulcastBench {
  /** The node's --ice-ports. */
  icePorts: [number, number];
  /** Whether the node recorded its sets (its default; the recorder takes the best layer). */
  nodeRecords: true;
  camera: string;
  publisherCpu: {
    runs: CpuRun[];
    off: { publisherCpuPercent: number; nodeCpuPercent: number; encodeMsPerSecond: number } | null;
    on: { publisherCpuPercent: number; nodeCpuPercent: number; encodeMsPerSecond: number } | null;
    /** on / off for each off-then-on pair, in order (the machine drifts: pairs side by side). */
    publisherPairRatios: number[];
    /**
     * mean(on) / mean(off): the publisher's whole browser, the node, and the video encoder's own
     * time as Chromium reports it (the part simulcast multiplies; the rest — camera capture, the
     * preview, audio — it does not).
     */
    cpuRatio: { publisher: number | null; node: number | null; encodeTime: number | null };
  };
  cappedUplink:
    | { skipped: string }
    | {
        rateKbit: number;
        match: { sport: number; sportMask: string };
        criteria: { maxLossPercent: number; minVideoKbps: number; sustainedStepPercent: 90 };
        settleSeconds: number;
        windowSeconds: number;
        off: UplinkMode | null;
        on: UplinkMode | null;
        /** on.maxSustained / off.maxSustained (null when off sustained none). */
        maxSustainedRatio: number | null;
        /** The node's UDP sockets seen outside --ice-ports (their traffic was not shaped). */
        nodePortsOutsideRange: number;
      };
  /** Why the node's viewers left and its first warnings/errors (its log, read after it stopped). */
  nodeLog?: NodeLogSummary;
  seconds: number;
  /** The machine's 1-minute load average as the section began and ended (2 cores: above 2, other work shared them). */
  loadAverage1m: { start: number; end: number };
  warnings: string[];
}

export interface SimulcastSection {
  run(): Promise<SimulcastBench>;
  /** Undoes whatever is still held: viewers, farm, browser, node, the shape. Safe to call twice. */
  cleanup(): Promise<void>;
  /** Synchronous kills, for signal handlers (the shaper's exit hook removes the shape). */
  killNow(): void;
}

/**
 * A 256-port block for --ice-ports outside the kernel's ephemeral range (so no browser or farm
 * socket, which get ephemeral ports, can fall into the shaped block): above it when there is room.
 */
export function chooseIcePorts(): { range: [number, number]; sport: number; sportMask: number } {
  let low = 32768;
  let high = 60999;
  try {
    [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
  } catch {
    // Linux's defaults
  }
  let start = Math.ceil((high + 1) / 256) * 256;
  if (start + 255 > 65535) start = Math.floor(low / 256) * 256 - 256;
  if (start < 1024) start = 40960; // no room outside: the aligned block the issue names
  return { range: [start, start + 255], sport: start, sportMask: 0xff00 };
}

/** Sent bytes and drops of the leaf queue under the shaper's class (handle cb:N), from `tc -s`. */
async function shapedQueueCounters(): Promise<{ bytes: number; drops: number } | null> {
  try {
    const { stdout } = await run('tc', ['-s', '-j', 'qdisc', 'show', 'dev', 'lo'], { timeout: 5000 });
    const qdiscs = JSON.parse(stdout || '[]') as Array<{ parent?: string; bytes?: number; drops?: number }>;
    const leaves = qdiscs.filter((q) => q.parent?.startsWith('cb:'));
    if (leaves.length === 0) return null;
    return { bytes: leaves.reduce((s, q) => s + (q.bytes ?? 0), 0), drops: leaves.reduce((s, q) => s + (q.drops ?? 0), 0) };
  } catch {
    return null;
  }
}

async function nodeLive(baseUrl: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { live: boolean }).live;
}

async function waitNodeLive(baseUrl: string, live: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await nodeLive(baseUrl).catch(() => !live)) !== live) {
    if (Date.now() > deadline) throw new Error(`the node's /api/status did not say live: ${live} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function sentVideo(rates: ReturnType<typeof publisherRates>): SentVideo {
  return {
    videoKbps: rates.videoTotalKbps,
    audioKbps: rates.audioKbps,
    layers: rates.layers,
    encodeMsPerSecond: Math.max(0, ...rates.layers.map((layer) => (Number.isFinite(layer.encodeMsPerSecond) ? layer.encodeMsPerSecond : 0))),
    qualityLimitationReason: rates.qualityLimitationReason,
    encoder: rates.encoder,
  };
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
const ratio = (on: number, off: number) => (Number.isFinite(on) && Number.isFinite(off) && off > 0 ? round(on / off, 2) : null);

export function simulcastSection(options: SimulcastOptions): SimulcastSection {
  const dataDir = join(options.tmp, 'data-simulcast');
  let node: NodeProcess | undefined;
  let publisher: BrowserPublisher | undefined;
  let farm: ViewerFarm | undefined;
  let undoShape: (() => Promise<void>) | undefined;

  // Each piece is let go only once it is gone, so killNow() still reaches it meanwhile (Ctrl+C).
  const cleanup = async () => {
    const f = farm;
    if (f) {
      await withTimeout(f.stopViewers(), 10_000, 'stopping viewers').catch(() => undefined);
      await f.close().catch(() => undefined);
      if (farm === f) farm = undefined;
    }
    const p = publisher;
    await p?.close().catch(() => undefined);
    if (publisher === p) publisher = undefined;
    const n = node;
    await n?.stop(10_000).catch(() => undefined);
    if (node === n) node = undefined;
    // Idempotent: a second call (run's own cleanup, then the bench's) removes nothing twice.
    await undoShape?.().catch((error: unknown) => log(`simulcast: removing the tc shape failed: ${(error as Error).message}`));
  };

  const killNow = () => {
    node?.killNow();
    farm?.killNow();
  };

  async function cpuWindow(pub: BrowserPublisher, liveNode: NodeProcess, simulcast: boolean, ramp: CpuRun['ramp'], warnings: string[]): Promise<CpuRun> {
    const browserPid = pub.pid();
    if (browserPid === undefined) throw new Error("could not find the publisher's browser process (by its --user-data-dir)");
    const pubA = await pub.stats();
    const meter = treeCpuMeter(browserPid);
    const t0 = performance.now();
    let done = false;
    const sampling = (async () => {
      while (!done) {
        await sleep(1000);
        if (!done) meter.sample();
      }
    })();
    const window = await measureWindow({ node: liveNode.pid }, options.cpuWindowSeconds);
    done = true;
    meter.sample();
    await sampling;
    const seconds = (performance.now() - t0) / 1000;
    const pubB = await pub.stats();
    const sent = sentVideo(publisherRates(pubA, pubB));
    if (simulcast && sent.layers.filter((l) => l.kbps > 0).length < 3) {
      warnings.push(`simulcast on, but the publisher sent ${sent.layers.filter((l) => l.kbps > 0).length} video layer(s) in a CPU window`);
    }
    if (sent.qualityLimitationReason && sent.qualityLimitationReason !== 'none') {
      warnings.push(`publisher (simulcast ${simulcast ? 'on' : 'off'}) limited by ${sent.qualityLimitationReason} in a CPU window`);
    }
    return {
      simulcast,
      publisherCpuPercent: round((meter.cpuSeconds() / seconds) * 100, 1),
      publisherProcesses: meter.processes,
      nodeCpuPercent: round(window.cpuPercent.node!, 1),
      machineBusyPercent: round(window.machineBusyPercent, 0),
      windowSeconds: round(seconds, 1),
      ramp,
      sent,
    };
  }

  /** One measuring window of the uplink sweep, `target` viewers in. */
  async function measureStep(pub: BrowserPublisher, liveNode: NodeProcess, viewerFarm: ViewerFarm, target: number, joinFailures: string[]): Promise<UplinkStep> {
    const farmA = await viewerFarm.snapshot();
    const pubA = await pub.stats().catch(() => null);
    const queueA = await shapedQueueCounters();
    const window = await measureWindow({ node: liveNode.pid, farm: viewerFarm.pid }, options.stepWindowSeconds);
    const queueB = await shapedQueueCounters();
    const farmB = await viewerFarm.snapshot();
    const pubB = await pub.stats().catch(() => null);
    const viewers: ViewerVideo[] = viewerVideoRates(farmA, farmB);
    const sustained = viewers.filter((v) => v.videoLossPercent < options.maxLossPercent && v.videoKbps >= options.minVideoKbps).length;
    const layers: Record<string, number> = {};
    for (const v of viewers) {
      const key = v.width && v.height ? `${v.width}x${v.height}` : 'unknown';
      layers[key] = (layers[key] ?? 0) + 1;
    }
    return {
      requestedViewers: target,
      viewers: viewers.length,
      sustained,
      sustainedPercent: round((sustained / target) * 100, 0),
      videoKbps: distribution(viewers.map((v) => v.videoKbps)),
      videoLossPercent: distribution(
        viewers.map((v) => v.videoLossPercent),
        2,
      ),
      layers,
      keyframes: viewers.reduce((sum, v) => sum + v.keyframes, 0),
      nackedPacketsPerSecond: round(viewers.reduce((sum, v) => sum + v.nackedPackets, 0) / window.seconds, 0),
      link:
        queueA && queueB
          ? { kbps: round(((queueB.bytes - queueA.bytes) * 8) / 1000 / window.seconds, 0), droppedPackets: queueB.drops - queueA.drops }
          : null,
      nodeCpuPercent: round(window.cpuPercent.node!, 1),
      farmCpuPercent: round(window.cpuPercent.farm!, 1),
      machineBusyPercent: round(window.machineBusyPercent, 0),
      udpDrops: { node: window.udpDrops.node!.total, farm: window.udpDrops.farm!.total },
      nodeReportedViewers: await nodeViewers(liveNode.baseUrl),
      publisher: pubA && pubB ? sentVideo(publisherRates(pubA, pubB)) : null,
      joinFailures: joinFailures.slice(0, 5),
      perViewer: viewers.map((v) => [round(v.videoKbps, 0), round(v.videoLossPercent, 2), v.height]),
      stalled: viewers
        .filter((v) => v.videoPackets === 0)
        .map((v) => ({ index: v.index, state: v.state, lastKeyframe: v.width && v.height ? `${v.width}x${v.height}` : null })),
    };
  }

  function logStep(step: UplinkStep): void {
    const layers = Object.entries(step.layers).map(([k, n]) => `${k}×${n}`).join(' ');
    log(
      `  ${step.sustained}/${step.requestedViewers} sustained; video p50 ${step.videoKbps.p50} kbit/s, loss p50 ${step.videoLossPercent.p50}% max ${step.videoLossPercent.max}%; ` +
        `layers ${layers}; link ${step.link?.kbps ?? '?'} kbit/s, ${step.link?.droppedPackets ?? '?'} dropped; ${step.nackedPacketsPerSecond} NACKed/s`,
    );
  }

  async function uplinkSweep(
    pub: BrowserPublisher,
    liveNode: NodeProcess,
    viewerFarm: ViewerFarm,
    simulcast: boolean,
    rampSeconds: number,
    deadline: number,
    portRange: [number, number],
    seenOutside: Set<number>,
  ): Promise<UplinkMode> {
    const mode: UplinkMode = { simulcast, steps: [], maxSustained: 0, maxSustainedIsLowerBound: false, stoppedBecause: 'all steps done', rampSeconds };
    let joinSecondsEach = 1;
    for (const target of options.viewerSteps) {
      const have = (await viewerFarm.snapshot()).viewers.length;
      const needed = (Math.max(0, target - have) * joinSecondsEach + options.settleSeconds + options.stepWindowSeconds + 3) * 1000;
      if (Date.now() + needed > deadline) {
        mode.stoppedBecause = 'time budget';
        log(`simulcast ${simulcast ? 'on' : 'off'}: no time for ${target} viewers within the section's budget`);
        break;
      }
      log(`simulcast ${simulcast ? 'on' : 'off'}: ${target} viewers on the ${options.uplinkKbit / 1000} Mbit/s uplink`);
      const joinFailures: string[] = [];
      if (target > have) {
        const added = await viewerFarm.add(liveNode.baseUrl, target - have, options.joinTimeoutMs);
        joinFailures.push(...added.failed.map((f) => f.error));
        if (added.joinMs.length) joinSecondsEach = Math.max(0.3, mean(added.joinMs) / 1000 + 0.1);
      }
      await sleep(options.settleSeconds * 1000);
      for (const port of udpLocalPorts(liveNode.pid)) if (port < portRange[0] || port > portRange[1]) seenOutside.add(port);
      let step = await measureStep(pub, liveNode, viewerFarm, target, joinFailures);
      logStep(step);
      // A window in which the node could not keep up reading its sockets, or the machine was
      // saturated (other work on it), says more about the CPU than about the link: measured once more.
      const contended = step.udpDrops.node > 0 || step.machineBusyPercent >= 95;
      if (step.sustained < 0.9 * target && contended && Date.now() + (options.stepWindowSeconds + 3) * 1000 < deadline) {
        log(`  (the node dropped ${step.udpDrops.node} datagrams at its sockets, machine ${step.machineBusyPercent}% busy: measuring this step once more)`);
        const first = step;
        step = await measureStep(pub, liveNode, viewerFarm, target, joinFailures);
        step.firstWindow = {
          sustained: first.sustained,
          videoLossPercentP50: first.videoLossPercent.p50,
          nodeUdpDrops: first.udpDrops.node,
          machineBusyPercent: first.machineBusyPercent,
        };
        logStep(step);
      }
      mode.steps.push(step);
      const { sustained } = step;
      if (sustained >= 0.9 * target) mode.maxSustained = target;
      if (liveNode.exited) throw new Error(`the node exited during the uplink sweep:\n${liveNode.logTail()}`);
      if (sustained < target / 2) {
        mode.stoppedBecause = 'fewer than half sustained';
        break;
      }
    }
    const last = mode.steps.at(-1);
    mode.maxSustainedIsLowerBound = mode.stoppedBecause !== 'fewer than half sustained' && last !== undefined && last.requestedViewers === mode.maxSustained;
    const stop = await viewerFarm.stopViewers();
    if (stop.deleteFailures) log(`simulcast: ${stop.deleteFailures} WHEP DELETEs failed`);
    return mode;
  }

  async function runSection(): Promise<SimulcastBench> {
    const started = Date.now();
    const loadAtStart = loadavg()[0] ?? 0;
    const deadline = started + options.budgetSeconds * 1000;
    const warnings: string[] = [];
    const { range, sport, sportMask } = chooseIcePorts();

    // The shape goes on first, before any media flows (adding tc's root to lo disturbs all of lo).
    let skipped = whyTrafficCannotBeShaped({ rateKbit: options.uplinkKbit });
    if (!skipped) {
      try {
        undoShape = await shapeUdp({ sport, sportMask }, { rateKbit: options.uplinkKbit });
      } catch (error) {
        skipped = `could not shape: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    if (skipped) log(`simulcast: capped uplink skipped: ${skipped}`);
    else log(`simulcast: node media egress (UDP sport ${range[0]}-${range[1]}) shaped to ${options.uplinkKbit} kbit/s on lo`);

    mkdirSync(dataDir, { recursive: true });
    const liveNode = (node = await startNodeProcess({ dataDir, token: options.token, extraArgs: ['--ice-ports', `${range[0]}-${range[1]}`] }));
    log(`simulcast: node pid ${liveNode.pid} on ${liveNode.baseUrl}, --ice-ports ${range[0]}-${range[1]}`);
    const pub = (publisher = await startPublisher({ tmpRoot: options.tmp, baseUrl: liveNode.baseUrl, token: options.token, y4mPath: options.cameraPath, goLive: false }));
    // Started now so that every CPU window has the same processes around (an idle farm costs ~0).
    const viewerFarm = skipped ? undefined : (farm = await startViewerFarm());

    const runs: CpuRun[] = [];
    const modes: { off: UplinkMode | null; on: UplinkMode | null } = { off: null, on: null };
    const seenOutside = new Set<number>();
    const order = [false, true, false, true];
    for (const [i, simulcast] of order.entries()) {
      const sweepHere = viewerFarm !== undefined && i >= 2;
      log(`simulcast ${simulcast ? 'on' : 'off'} (${i + 1}/${order.length}): Go live${sweepHere ? ', CPU window, then the uplink sweep' : ', CPU window'}`);
      const wentLive = Date.now();
      await pub.goLive({ simulcast });
      await waitNodeLive(liveNode.baseUrl, true, 10_000);
      const ramp = await waitForPublisherRamp(pub, { minSeconds: 8, maxSeconds: 16 });
      const cpu = await cpuWindow(pub, liveNode, simulcast, ramp, warnings);
      runs.push(cpu);
      const layers = cpu.sent?.layers.map((l) => `${l.rid ?? '-'} ${l.width}x${l.height}@${l.encodedFps} ${l.kbps}k`).join(', ');
      log(`  publisher tree ${cpu.publisherCpuPercent}% (${cpu.publisherProcesses} processes; encoder ${cpu.sent?.encodeMsPerSecond} ms/s), node ${cpu.nodeCpuPercent}%; sent ${layers}`);
      if (sweepHere) {
        // The off sweep usually ends within a few steps; it may use 40% of what is left, the on sweep the rest.
        const left = deadline - 10_000 - Date.now();
        const modeDeadline = simulcast ? deadline - 10_000 : Date.now() + 0.4 * left;
        const mode = await uplinkSweep(pub, liveNode, viewerFarm, simulcast, round((Date.now() - wentLive) / 1000, 1), modeDeadline, range, seenOutside);
        modes[simulcast ? 'on' : 'off'] = mode;
        log(`simulcast ${simulcast ? 'on' : 'off'}: max sustained ${mode.maxSustained} viewers (${mode.stoppedBecause})`);
      }
      await pub.endSet();
      await waitNodeLive(liveNode.baseUrl, false, 10_000);
      if (liveNode.exited) throw new Error(`the node exited:\n${liveNode.logTail()}`);
    }

    const byMode = (on: boolean) => {
      const chosen = runs.filter((r) => r.simulcast === on);
      return chosen.length
        ? {
            publisherCpuPercent: round(mean(chosen.map((r) => r.publisherCpuPercent)), 1),
            nodeCpuPercent: round(mean(chosen.map((r) => r.nodeCpuPercent)), 1),
            encodeMsPerSecond: round(mean(chosen.map((r) => r.sent?.encodeMsPerSecond ?? Number.NaN)), 0),
          }
        : null;
    };
    const off = byMode(false);
    const on = byMode(true);
    for (const r of runs) if (r.machineBusyPercent >= 90) warnings.push(`machine ${r.machineBusyPercent}% busy in a publisher CPU window (simulcast ${r.simulcast ? 'on' : 'off'}): CPU numbers are contended`);
    for (const mode of [modes.off, modes.on]) {
      if (!mode) continue;
      const name = `simulcast ${mode.simulcast ? 'on' : 'off'}`;
      if (mode.stoppedBecause === 'time budget') warnings.push(`${name}: the uplink sweep stopped at the time budget (maxSustained ${mode.maxSustained} is a lower bound)`);
      for (const s of mode.steps) {
        if (s.udpDrops.farm > 0) warnings.push(`${name}, ${s.requestedViewers} viewers: ${s.udpDrops.farm} datagrams dropped at the farm's sockets (test viewers fell behind, not the link)`);
        if (s.udpDrops.node > 0) warnings.push(`${name}, ${s.requestedViewers} viewers: ${s.udpDrops.node} datagrams dropped at the node's sockets`);
        if (s.machineBusyPercent >= 95) warnings.push(`${name}, ${s.requestedViewers} viewers: machine ${s.machineBusyPercent}% busy (loss may be the CPU's, not the link's)`);
        if (s.stalled.length) {
          const left = s.stalled.map((v) => `#${v.index} ${v.state}, last keyframe ${v.lastKeyframe ?? 'none'}`).join('; ');
          warnings.push(`${name}, ${s.requestedViewers} viewers: ${s.stalled.length} got no video at all in the window (${left})`);
        }
        if (s.viewers < s.requestedViewers) warnings.push(`${name}: ${s.requestedViewers - s.viewers} of ${s.requestedViewers} viewers did not join (${s.joinFailures.slice(0, 2).join('; ')})`);
      }
    }
    if (seenOutside.size) warnings.push(`the node had UDP sockets outside --ice-ports (${[...seenOutside].slice(0, 5).join(', ')}): their traffic was not shaped`);

    return {
      icePorts: range,
      nodeRecords: true,
      camera: '1280x720 30 fps noisy y4m',
      publisherCpu: {
        runs,
        off,
        on,
        publisherPairRatios: runs.flatMap((r, i) => {
          const next = runs[i + 1];
          if (r.simulcast || i % 2 !== 0 || !next?.simulcast) return [];
          const value = ratio(next.publisherCpuPercent, r.publisherCpuPercent);
          return value === null ? [] : [value];
        }),
        cpuRatio: {
          publisher: off && on ? ratio(on.publisherCpuPercent, off.publisherCpuPercent) : null,
          node: off && on ? ratio(on.nodeCpuPercent, off.nodeCpuPercent) : null,
          encodeTime: off && on ? ratio(on.encodeMsPerSecond, off.encodeMsPerSecond) : null,
        },
      },
      cappedUplink: skipped
        ? { skipped }
        : {
            rateKbit: options.uplinkKbit,
            match: { sport, sportMask: `0x${sportMask.toString(16)}` },
            criteria: { maxLossPercent: options.maxLossPercent, minVideoKbps: options.minVideoKbps, sustainedStepPercent: 90 },
            settleSeconds: options.settleSeconds,
            windowSeconds: options.stepWindowSeconds,
            off: modes.off,
            on: modes.on,
            maxSustainedRatio: modes.off && modes.on && modes.off.maxSustained > 0 ? round(modes.on.maxSustained / modes.off.maxSustained, 2) : null,
            nodePortsOutsideRange: seenOutside.size,
          },
      seconds: round((Date.now() - started) / 1000, 0),
      loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0] ?? 0, 2) },
      warnings,
    };
  }

  return {
    async run() {
      try {
        const result = await runSection();
        await cleanup();
        result.nodeLog = summariseNodeLog(dataDir);
        return result;
      } catch (error) {
        const tail = node ? `\n--- node.log (tail) ---\n${node.logTail()}` : '';
        throw new Error(`${(error as Error).message}${tail}`, { cause: error });
      } finally {
        await cleanup();
      }
    },
    cleanup,
    killNow,
  };
}

/** One line for the bench's summary. */
export function simulcastSummary(r: SimulcastBench | { error: string }): string {
  if ('error' in r) return `simulcast FAILED — ${r.error.split('\n')[0]}`;
  const cpu = r.publisherCpu;
  const parts: string[] = [];
  if (cpu.off && cpu.on) {
    parts.push(
      `simulcast publisher CPU ×${cpu.cpuRatio.publisher ?? '?'} (${Math.round(cpu.off.publisherCpuPercent)}% → ${Math.round(cpu.on.publisherCpuPercent)}% of a core; encoder time ×${cpu.cpuRatio.encodeTime ?? '?'}), node ×${cpu.cpuRatio.node ?? '?'}`,
    );
  }
  const up = r.cappedUplink;
  if ('skipped' in up) parts.push(`capped uplink skipped: ${up.skipped}`);
  else {
    const show = (m: UplinkMode | null) => (m ? `${m.maxSustainedIsLowerBound || m.stoppedBecause === 'time budget' ? '≥' : ''}${m.maxSustained}` : '?');
    parts.push(
      `${up.rateKbit / 1000} Mbit/s uplink sustains ${show(up.off)} viewers without simulcast, ${show(up.on)} with` +
        (up.maxSustainedRatio !== null ? ` (${show(up.on).startsWith('≥') ? '≥' : ''}×${up.maxSustainedRatio})` : ''),
    );
  }
  return parts.join(' | ');
}
