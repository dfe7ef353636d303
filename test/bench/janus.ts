/**
 * The `janus` section (issue #9, item 2): Curbcast side by side with Debian's Janus (Streaming
 * plugin), same machine, same run, same input, same viewers → CPU per viewer of each, and
 * `cpuPerViewerRatio` = Curbcast's / Janus's. Target (a result, not a test): ratio ≤ 1.
 *
 * - **Janus**: installed by apt-get when missing (root only, else `skipped`), configured in a temp
 *   dir (janus-server.ts: Streaming + HTTP on 127.0.0.1, ICE-lite on lo, no STUN/TURN, no IPv6, no
 *   mDNS) and run as our child. The Debian service is disabled.
 * - **Curbcast**: the node as the sweep runs it (`serve` on 127.0.0.1), with `--no-recording`
 *   (Janus records nothing either; recording's cost is the `recording` section's).
 * - **Input** (janus-source.ts): one file (VP8 ~2 Mbit/s 720p30, keyframe every 2 s, + Opus, encoded
 *   from the bench's noisy camera source), replayed by ffmpeg in real time as RTP to a relay that
 *   sends every packet unchanged to Janus's RTP mountpoint and into a werift WHIP publisher to
 *   Curbcast: both SFUs forward the same payloads, at the same moments, all the time.
 * - **Viewers**: the same werift farm viewers (no decoding; they count packets and sequence gaps),
 *   WHEP for Curbcast, Janus's HTTP API for Janus (janus-viewer.ts). Curbcast's on 127.0.0.1 as in
 *   the sweep; Janus's on the machine's own LAN address, the only kind Janus gathers on (datagrams
 *   between a machine's own addresses go through lo too; `nonLoopbackTx` checks nothing left).
 * - **Measure**: both processes run throughout (neither pinned). Each round: a 0-viewer window for
 *   both at once, then one SFU's viewer steps (e.g. 10, 25; a window after each, CPU of both SFUs,
 *   the farm and the machine), its viewers leave, then the other's. Round 2 reverses the order
 *   (A B · B A), if the time budget allows it.
 * - **Per SFU**: CPU % at each N (mean over rounds), CPU per viewer as the least-squares slope over
 *   all its windows (0 and each N; the ratio uses this), also (cpu(top) − cpu(0)) / top and the
 *   slope between the last two steps; µs of CPU per forwarded packet; receive rate; loss.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startViewerFarm, type ViewerFarm } from './farm-client.js';
import type { AddResult, FarmSnapshot } from './farm-protocol.js';
import { ensureJanus, startJanus, type JanusInstall, type JanusServer } from './janus-server.js';
import { encodeSource, startSourceRelay, type EncodedSource, type RelayCounters, type SourceRelay } from './janus-source.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { ipv6NeighborSolicitations, measureWindow, nonLoopbackTxPackets, type DropDelta } from './proc-stats.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';
import { farmRates, nodeViewers } from './sweep.js';
import { benchSection, type BenchSection } from './section.js';

export type Sfu = 'curbcast' | 'janus';

export interface JanusOptions {
  tmp: string;
  token: string;
  /** Viewer counts per SFU, ascending (0 is always measured first). */
  viewerSteps: number[];
  /** A B, then B A, … as long as the budget allows; at least one. */
  rounds: number;
  /** The section's measuring time, seconds (after install, encode and start): rounds that would not fit are not started. */
  budgetSeconds: number;
  settleSeconds: number;
  windowSeconds: number;
  joinTimeoutMs: number;
  source: { width: number; height: number; fps: number; seconds: number; noise: number; videoKbps: number };
}

export interface JanusPoint {
  sfu: Sfu | 'both';
  round: number;
  requestedViewers: number;
  viewers: number;
  /** The SFU being served, % of one core (null for a 'both' window: see cpuPercentBoth). */
  cpuPercent: number | null;
  /** Both SFUs in the same window (the other one idles with the input flowing). */
  cpuPercentBoth: Record<Sfu, number>;
  rssMB: Record<Sfu, number>;
  perViewerKbps: number;
  perViewerVideoKbps: number;
  forwardedPacketsPerSecond: number;
  lossPercent: number;
  worstViewerLossPercent: number;
  stalledViewers: number;
  disconnectedViewers: number;
  /** What the relay passed to both SFUs in the window (ffmpeg's RTP), kbit/s. */
  inputKbps: number;
  inputPacketsPerSecond: number;
  farmCpuPercent: number;
  machineBusyPercent: number;
  udpDrops: { curbcast: DropDelta; janus: DropDelta; farm: DropDelta; machine: number };
  windowSeconds: number;
  joinMs: Distribution | null;
  joinFailures: string[];
  /** Curbcast's GET /api/status viewers after the window (null for Janus points). */
  nodeReportedViewers: number | null;
}

export interface SfuSummary {
  /** Mean CPU % over rounds at 0 and each step. */
  cpuPercentByViewers: Array<{ viewers: number; cpuPercent: number; rssMB: number; lossPercent: number; perViewerKbps: number }>;
  /** Least-squares slope of CPU % over viewers, all windows (0 and every step, every round): % of one core per viewer. */
  cpuPerViewerPercent: number | null;
  /** (cpu(top) − cpu(0)) / top, means over rounds. */
  cpuPerViewerAtTopPercent: number | null;
  /** (cpu(last step) − cpu(step before)) / (difference in viewers). */
  cpuPerViewerBetweenStepsPercent: number | null;
  /** 100 / cpuPerViewerPercent. */
  viewersPerCoreEstimate: number | null;
  /** (cpu(top) − cpu(0)) / forwarded packets per second at the top step, µs. */
  cpuMicrosecondsPerForwardedPacket: number | null;
  /** Worst loss of any window with viewers, and the mean. */
  lossPercent: { max: number; mean: number };
  rssMB: { idle: number; top: number };
  joinMs: Distribution | null;
}

export interface JanusBenchResult {
  seconds: number;
  install: JanusInstall;
  /** iceAddress: the one (own) address Janus gathers on — it skips loopback interfaces; datagrams to it stay on lo. */
  janus: { version: string; pid: number; iceAddress: string; info: Record<string, unknown>; logProblems: string[] };
  /** How the two SFUs got the same input. */
  input: {
    method: string;
    file: Omit<EncodedSource, 'path'>;
    /** What the relay passed on during the whole measurement, kbit/s and packets/s. */
    sentKbps: number;
    sentPacketsPerSecond: number;
    /** Keyframe requests Curbcast sent our publisher (not honoured: the source is a file). */
    curbcastPlis: number;
  };
  config: Omit<JanusOptions, 'tmp' | 'token'> & { roundsRun: number; pinned: false; curbcastArgs: string[] };
  points: JanusPoint[];
  perSfu: Record<Sfu, SfuSummary>;
  /** perSfu.curbcast.cpuPerViewerPercent / perSfu.janus.cpuPerViewerPercent (least-squares slopes). */
  cpuPerViewerRatio: number | null;
  /** The same ratio from the other two estimates. */
  cpuPerViewerRatioAtTop: number | null;
  cpuPerViewerRatioBetweenSteps: number | null;
  /** The target: Curbcast's CPU per viewer ≤ Janus's (by cpuPerViewerRatio). */
  curbcastAtMostJanus: boolean | null;
  /** Packets on non-loopback interfaces during the section (by anything on the machine), and IPv6 neighbour solicitations among them. */
  nonLoopbackTx: { packets: number; ipv6NeighborSolicitations: number };
  warnings: string[];
}

export type JanusBench = JanusBenchResult | { skipped: string } | { error: string };

export type JanusSection = BenchSection<JanusBench>;

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** Least-squares slope of y over x; null with fewer than two distinct x. */
export function leastSquaresSlope(points: Array<{ x: number; y: number }>): number | null {
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxy / sxx;
}

function summarise(points: JanusPoint[], sfu: Sfu, steps: number[], joins: number[]): SfuSummary {
  const baseline = points.filter((p) => p.sfu === 'both');
  const own = points.filter((p) => p.sfu === sfu);
  const at = (n: number) => (n === 0 ? baseline : own.filter((p) => p.requestedViewers === n));
  const byViewers = [0, ...steps]
    .map((n) => ({ n, windows: at(n) }))
    .filter((x) => x.windows.length > 0)
    .map(({ n, windows }) => ({
      viewers: n,
      cpuPercent: round(mean(windows.map((p) => p.cpuPercentBoth[sfu])), 1),
      rssMB: round(mean(windows.map((p) => p.rssMB[sfu])), 0),
      lossPercent: n === 0 ? 0 : round(mean(windows.map((p) => p.lossPercent)), 2),
      perViewerKbps: n === 0 ? 0 : round(mean(windows.map((p) => p.perViewerKbps)), 0),
    }));
  const fit = leastSquaresSlope([...baseline.map((p) => ({ x: 0, y: p.cpuPercentBoth[sfu] })), ...own.map((p) => ({ x: p.viewers, y: p.cpuPercentBoth[sfu] }))]);
  const base = byViewers.find((x) => x.viewers === 0);
  const loaded = byViewers.filter((x) => x.viewers > 0);
  const top = loaded.at(-1);
  const before = loaded.at(-2);
  const topWindows = top ? at(top.viewers) : [];
  const topViewers = topWindows.length ? mean(topWindows.map((p) => p.viewers)) : 0;
  const atTop = base && top && topViewers > 0 ? (top.cpuPercent - base.cpuPercent) / topViewers : null;
  const forwarded = topWindows.length ? mean(topWindows.map((p) => p.forwardedPacketsPerSecond)) : 0;
  const losses = own.map((p) => p.lossPercent);
  return {
    cpuPercentByViewers: byViewers,
    cpuPerViewerPercent: fit === null ? null : round(fit, 3),
    cpuPerViewerAtTopPercent: atTop === null ? null : round(atTop, 3),
    cpuPerViewerBetweenStepsPercent: top && before ? round((top.cpuPercent - before.cpuPercent) / (top.viewers - before.viewers), 3) : null,
    viewersPerCoreEstimate: fit && fit > 0 ? Math.round(100 / fit) : null,
    cpuMicrosecondsPerForwardedPacket: base && top && forwarded > 0 ? round(((top.cpuPercent - base.cpuPercent) / 100 / forwarded) * 1e6, 1) : null,
    lossPercent: { max: round(Math.max(0, ...losses), 2), mean: losses.length ? round(mean(losses), 3) : 0 },
    rssMB: { idle: base?.rssMB ?? Number.NaN, top: top?.rssMB ?? Number.NaN },
    joinMs: joins.length ? distribution(joins) : null,
  };
}

const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? round(a / b, 2) : null);

function relayDelta(a: RelayCounters, b: RelayCounters, seconds: number) {
  const bytes = b.videoBytes - a.videoBytes + (b.audioBytes - a.audioBytes);
  const packets = b.videoPackets - a.videoPackets + (b.audioPackets - a.audioPackets);
  return { kbps: seconds > 0 ? (bytes * 8) / 1000 / seconds : 0, pps: seconds > 0 ? packets / seconds : 0 };
}

export function janusSection(options: JanusOptions): JanusSection {
  let node: NodeProcess | undefined;
  let janus: JanusServer | undefined;
  let relay: SourceRelay | undefined;
  let farm: ViewerFarm | undefined;

  const cleanup = async () => {
    const f = farm;
    farm = undefined;
    if (f) {
      await withTimeout(f.stopViewers(), 15_000, 'stopping viewers').catch(() => undefined);
      await f.close().catch(() => undefined);
    }
    const r = relay;
    relay = undefined;
    await r?.close().catch(() => undefined);
    const j = janus;
    janus = undefined;
    await j?.stop().catch(() => undefined);
    const n = node;
    node = undefined;
    await n?.stop(10_000).catch(() => undefined);
  };
  const killNow = () => {
    relay?.killNow();
    janus?.killNow();
    node?.killNow();
    farm?.killNow();
  };

  async function run(): Promise<JanusBench> {
    const started = performance.now();
    const install = await ensureJanus();
    if (typeof install === 'string') {
      log(`janus: skipped: ${install}`);
      return { skipped: install };
    }
    log(`janus: Janus ${install.version} (${install.how}); ${install.service}`);
    const warnings: string[] = [];
    const steps = [...new Set(options.viewerSteps)].filter((n) => n > 0).sort((a, b) => a - b);
    if (steps.length === 0) throw new Error('janus: no viewer steps');
    const dir = join(options.tmp, 'janus');
    mkdirSync(dir, { recursive: true });

    const s = options.source;
    log(`janus: encoding the source (${s.width}x${s.height} ${s.fps} fps, VP8 ${s.videoKbps} kbit/s + Opus, ${s.seconds} s, looped)`);
    const source = encodeSource(dir, s);
    log(`janus: source ${source.videoKbps} kbit/s video + ${source.audioKbps} kbit/s audio in ${source.encodeSeconds} s`);

    mkdirSync(join(dir, 'node-data'), { recursive: true });
    const curbcastArgs = ['--no-recording'];
    const liveNode = (node = await startNodeProcess({ dataDir: join(dir, 'node-data'), token: options.token, extraArgs: curbcastArgs }));
    const server = (janus = await startJanus(join(dir, 'janus-config'), install.path));
    log(`janus: Curbcast pid ${liveNode.pid} on ${liveNode.baseUrl}, Janus pid ${server.pid} on ${server.apiUrl}`);
    const tx0 = nonLoopbackTxPackets();
    const ns0 = ipv6NeighborSolicitations();

    const m = server.mountpoint;
    const source_ = (relay = await startSourceRelay({
      source,
      baseUrl: liveNode.baseUrl,
      token: options.token,
      janus: { videoPort: m.videoPort, audioPort: m.audioPort },
      videoPayloadType: m.videoPayloadType,
      audioPayloadType: m.audioPayloadType,
    }));
    const viewerFarm = (farm = await startViewerFarm());
    const status = await fetch(`${liveNode.baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json() as Promise<{ live?: boolean }>);
    if (!status.live) throw new Error('Curbcast does not say live after the WHIP publisher connected');
    // Warm-up: the first idle window otherwise catches both processes still settling after start (JIT, first GCs).
    await sleep(8000);

    const pids = { curbcast: liveNode.pid, janus: server.pid, farm: viewerFarm.pid };
    const points: JanusPoint[] = [];
    const joins: Record<Sfu, number[]> = { curbcast: [], janus: [] };
    const measuringStarted = performance.now();
    const relay0 = source_.counters();

    const measure = async (sfu: Sfu | 'both', roundIndex: number, requestedViewers: number, added: AddResult | null): Promise<JanusPoint> => {
      const farmA: FarmSnapshot = await viewerFarm.snapshot();
      const relayA = source_.counters();
      const window = await measureWindow(pids, options.windowSeconds);
      const farmB = await viewerFarm.snapshot();
      const relayB = source_.counters();
      const rates = farmRates(farmA, farmB);
      const input = relayDelta(relayA, relayB, window.seconds);
      const both = { curbcast: round(window.cpuPercent.curbcast!, 1), janus: round(window.cpuPercent.janus!, 1) };
      const point: JanusPoint = {
        sfu,
        round: roundIndex,
        requestedViewers,
        viewers: farmB.viewers.length,
        cpuPercent: sfu === 'both' ? null : both[sfu],
        cpuPercentBoth: both,
        rssMB: { curbcast: round(window.rssMB.curbcast!, 0), janus: round(window.rssMB.janus!, 0) },
        perViewerKbps: round(rates.perViewerKbps, 0),
        perViewerVideoKbps: round(rates.perViewerVideoKbps, 0),
        forwardedPacketsPerSecond: round(rates.forwardedPacketsPerSecond, 0),
        lossPercent: round(rates.lossPercent, 2),
        worstViewerLossPercent: round(rates.worstViewerLossPercent, 2),
        stalledViewers: rates.stalledViewers,
        disconnectedViewers: rates.disconnectedViewers,
        inputKbps: round(input.kbps, 0),
        inputPacketsPerSecond: round(input.pps, 0),
        farmCpuPercent: round(window.cpuPercent.farm!, 1),
        machineBusyPercent: round(window.machineBusyPercent, 0),
        udpDrops: { curbcast: window.udpDrops.curbcast!, janus: window.udpDrops.janus!, farm: window.udpDrops.farm!, machine: window.udpRcvbufErrors },
        windowSeconds: round(window.seconds, 2),
        joinMs: added && added.joinMs.length ? distribution(added.joinMs) : null,
        joinFailures: added ? added.failed.map((f) => f.error) : [],
        nodeReportedViewers: sfu === 'curbcast' ? await nodeViewers(liveNode.baseUrl) : null,
      };
      points.push(point);
      const who = sfu === 'both' ? 'both idle' : `${sfu} ${point.viewers} viewers`;
      log(
        `janus:   ${who}: Curbcast ${both.curbcast}% Janus ${both.janus}% CPU; ${point.perViewerKbps} kbit/s per viewer, loss ${point.lossPercent}%; input ${point.inputKbps} kbit/s; farm ${point.farmCpuPercent}%`,
      );
      if (liveNode.exited) throw new Error(`the Curbcast node exited:\n${liveNode.logTail()}`);
      if (server.exited) throw new Error(`janus exited:\n${server.logTail()}`);
      return point;
    };

    let roundsRun = 0;
    for (let r = 0; r < Math.max(1, options.rounds); r++) {
      const elapsed = (performance.now() - measuringStarted) / 1000;
      const perRound = roundsRun > 0 ? elapsed / roundsRun : 0;
      if (roundsRun > 0 && elapsed + perRound > options.budgetSeconds) {
        log(`janus: round ${r + 1} would not fit the ${options.budgetSeconds} s budget (a round took ${Math.round(perRound)} s); stopping`);
        break;
      }
      const order: Sfu[] = r % 2 === 0 ? ['curbcast', 'janus'] : ['janus', 'curbcast'];
      log(`janus: round ${r + 1}: both idle, then ${order.join(', then ')} at ${steps.join(', ')} viewers`);
      await measure('both', r, 0, null);
      for (const sfu of order) {
        for (const target of steps) {
          const have = (await viewerFarm.snapshot()).viewers.length;
          let added: AddResult | null = null;
          if (target > have) {
            log(`janus: ${sfu}: ramping to ${target} viewers`);
            added =
              sfu === 'curbcast'
                ? await viewerFarm.add(liveNode.baseUrl, target - have, options.joinTimeoutMs)
                : await viewerFarm.addJanus(server.apiUrl, m.id, server.iceAddress, target - have, options.joinTimeoutMs);
            joins[sfu].push(...added.joinMs);
            await sleep(options.settleSeconds * 1000);
          }
          await measure(sfu, r, target, added);
        }
        const stop = await viewerFarm.stopViewers();
        if (stop.deleteFailures) warnings.push(`${sfu}: ${stop.deleteFailures} viewer sessions were not confirmed closed (WHEP DELETE / Janus destroy)`);
        await sleep(2000);
      }
      roundsRun++;
    }
    const measuredSeconds = (performance.now() - measuringStarted) / 1000;
    const relay1 = source_.counters();
    const sent = relayDelta(relay0, relay1, measuredSeconds);
    const curbcastPlis = source_.plis();
    const publisherState = source_.curbcastState();
    if (publisherState !== 'connected') warnings.push(`Curbcast's WHIP publisher ended ${publisherState}`);

    await cleanup();
    const logProblems = server.logProblems();
    const nonLoopbackTx = { packets: nonLoopbackTxPackets() - tx0, ipv6NeighborSolicitations: ipv6NeighborSolicitations() - ns0 };

    const curbcast = summarise(points, 'curbcast', steps, joins.curbcast);
    const janusSfu = summarise(points, 'janus', steps, joins.janus);
    const cpuPerViewerRatio = ratio(curbcast.cpuPerViewerPercent, janusSfu.cpuPerViewerPercent);

    for (const p of points) {
      const who = p.sfu === 'both' ? 'idle' : `${p.sfu} at ${p.viewers} viewers`;
      if (p.viewers !== p.requestedViewers) warnings.push(`${p.sfu}: ${p.requestedViewers} viewers requested, ${p.viewers} joined (${p.joinFailures.slice(0, 2).join('; ')})`);
      if (p.lossPercent >= 1) warnings.push(`${p.lossPercent}% loss, ${who} (worst viewer ${p.worstViewerLossPercent}%)`);
      if (p.stalledViewers) warnings.push(`${p.stalledViewers} of ${p.viewers} viewers received no video, ${who}`);
      if (p.machineBusyPercent >= 90) warnings.push(`machine ${p.machineBusyPercent}% busy, ${who}: CPU numbers are contended`);
      if (p.farmCpuPercent >= 90) warnings.push(`viewer farm at ${p.farmCpuPercent}% of a core, ${who}: receive rates may be the farm's limit`);
      for (const s of ['curbcast', 'janus'] as const) {
        if (p.udpDrops[s].total > 0) warnings.push(`${p.udpDrops[s].total} UDP datagrams dropped at ${s}'s sockets (receive buffer full), ${who}`);
      }
      if (p.udpDrops.farm.total > 0) warnings.push(`${p.udpDrops.farm.total} UDP datagrams dropped at the viewer farm's sockets, ${who}`);
      if (p.nodeReportedViewers !== null && p.nodeReportedViewers !== p.viewers) warnings.push(`Curbcast reported ${p.nodeReportedViewers} viewers, the farm had ${p.viewers}`);
    }
    const kbps = (x: SfuSummary) => x.cpuPercentByViewers.at(-1)?.perViewerKbps ?? 0;
    if (kbps(curbcast) > 0 && kbps(janusSfu) > 0 && Math.abs(kbps(curbcast) / kbps(janusSfu) - 1) > 0.1) {
      warnings.push(`viewers received ${kbps(curbcast)} kbit/s from Curbcast but ${kbps(janusSfu)} from Janus: the work is not the same`);
    }
    if (sent.kbps < 1500) warnings.push(`the source sent only ${round(sent.kbps, 0)} kbit/s (expected ~2000)`);
    if (logProblems.length) warnings.push(`janus log: ${logProblems.length} line(s) about STUN/TURN/resolving/errors (see janus.logProblems)`);
    if (nonLoopbackTx.packets > nonLoopbackTx.ipv6NeighborSolicitations) {
      warnings.push(`${nonLoopbackTx.packets - nonLoopbackTx.ipv6NeighborSolicitations} packets left on non-loopback interfaces during the section (this or another process)`);
    }
    const { path: _path, ...file } = source;
    void _path;
    return {
      seconds: round((performance.now() - started) / 1000, 1),
      install,
      janus: { version: install.version, pid: server.pid, iceAddress: server.iceAddress, info: pickInfo(server.info), logProblems },
      input: {
        method:
          'one file (VP8 + Opus, encoded once from the noisy testsrc2 camera source) replayed by `ffmpeg -re -stream_loop -1 -c copy -f rtp`; a relay in the bench sends each RTP datagram unchanged to the Janus Streaming rtp mountpoint and writes the same packet into a werift WHIP publisher to Curbcast (same payloads, same timing)',
        file,
        sentKbps: round(sent.kbps, 0),
        sentPacketsPerSecond: round(sent.pps, 0),
        curbcastPlis,
      },
      config: {
        viewerSteps: steps,
        rounds: options.rounds,
        roundsRun,
        budgetSeconds: options.budgetSeconds,
        settleSeconds: options.settleSeconds,
        windowSeconds: options.windowSeconds,
        joinTimeoutMs: options.joinTimeoutMs,
        source: options.source,
        pinned: false,
        curbcastArgs,
      },
      points,
      perSfu: { curbcast, janus: janusSfu },
      cpuPerViewerRatio,
      cpuPerViewerRatioAtTop: ratio(curbcast.cpuPerViewerAtTopPercent, janusSfu.cpuPerViewerAtTopPercent),
      cpuPerViewerRatioBetweenSteps: ratio(curbcast.cpuPerViewerBetweenStepsPercent, janusSfu.cpuPerViewerBetweenStepsPercent),
      curbcastAtMostJanus: cpuPerViewerRatio === null ? null : cpuPerViewerRatio <= 1,
      nonLoopbackTx,
      warnings,
    };
  }

  return benchSection(run, cleanup, killNow);
}

/** The parts of GET /janus/info that say what Janus was allowed to do on the network. */
function pickInfo(info: Record<string, unknown>): Record<string, unknown> {
  const keys = ['version_string', 'local-ip', 'ipv6', 'ice-lite', 'ice-tcp', 'full-trickle', 'mdns-enabled', 'session-timeout', 'min-nack-queue', 'twcc-period', 'static-event-loops'];
  return { ...Object.fromEntries(keys.filter((k) => k in info).map((k) => [k, info[k]])), plugins: Object.keys((info.plugins as object) ?? {}), transports: Object.keys((info.transports as object) ?? {}) };
}

export function janusSummary(r: JanusBench): string {
  if ('skipped' in r) return `janus skipped: ${r.skipped}`;
  if ('error' in r) return `janus FAILED — ${r.error.split('\n')[0]}`;
  const c = r.perSfu.curbcast;
  const j = r.perSfu.janus;
  const loss = (x: SfuSummary) => (x.lossPercent.max >= 0.1 ? ` ${x.lossPercent.max}% loss` : '');
  const at = (x: SfuSummary) => x.cpuPercentByViewers.map((p) => `${Math.round(p.cpuPercent)}`).join('/');
  return (
    `vs Janus ${r.janus.version}: CPU/viewer Curbcast ${c.cpuPerViewerPercent ?? '?'}% Janus ${j.cpuPerViewerPercent ?? '?'}% (×${r.cpuPerViewerRatio ?? '?'}` +
    `${r.curbcastAtMostJanus === null ? '' : r.curbcastAtMostJanus ? ', ≤ Janus' : ', > Janus'}; CPU % at ${[0, ...r.config.viewerSteps].join('/')} viewers: ${at(c)} vs ${at(j)}${loss(c)}${loss(j)})`
  );
}
