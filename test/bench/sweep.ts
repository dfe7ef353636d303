/**
 * One measurement point of the viewer sweep: node CPU/RSS over a fixed window, plus what the farm's
 * viewers received and what the publisher sent in the same window.
 */
import type { FarmSnapshot, SsrcCounters } from './farm-protocol.js';
import { measureWindow, type DropDelta } from './proc-stats.js';
import { publisherRates, type BrowserPublisher, type PublisherRates } from './publisher.js';
import type { ViewerFarm } from './farm-client.js';
import { round } from './stats.js';

export interface SweepPoint {
  viewers: number;
  /** Node process, % of one core. */
  cpuPercent: number;
  rssMB: number;
  rssPeakMB: number;
  /** Mean over viewers of what each received (audio + video, RTP bytes incl. headers), kbit/s. */
  perViewerKbps: number;
  perViewerVideoKbps: number;
  perViewerPacketsPerSecond: number;
  /** Sum over viewers of packets the node forwarded per second. */
  forwardedPacketsPerSecond: number;
  /**
   * Missing RTP sequence numbers / expected, all viewers and SSRCs, in the window. werift viewers
   * send NACKs and late packets count as received, so this is what stayed lost after retransmission.
   */
  lossPercent: number;
  worstViewerLossPercent: number;
  /** Viewers that received no video at all during the window. */
  stalledViewers: number;
  /** Viewers whose peer connection was not 'connected' at the end of the window. */
  disconnectedViewers: number;
  /** The farm process (werift viewers), % of one core: if it saturates, receive rates are its limit. */
  farmCpuPercent: number;
  /** Whole machine, % of all cores: a measure of how noisy this point is. */
  machineBusyPercent: number;
  /**
   * UDP datagrams the kernel dropped in the window because a socket's receive buffer was full: at
   * the node's sockets (mostly the publisher's: the node fell behind reading), at the farm's
   * sockets (the test viewers fell behind), and machine-wide.
   */
  udpDrops: { node: DropDelta; farm: DropDelta; machine: number };
  windowSeconds: number;
  publisher: PublisherRates | null;
  /** GET /api/status → viewers, right after the window. */
  nodeReportedViewers: number | null;
}

interface Delta {
  packets: number;
  bytes: number;
  expected: number;
}

function ssrcDelta(a: SsrcCounters | undefined, b: SsrcCounters): Delta {
  if (!a) return { packets: b.packets, bytes: b.bytes, expected: b.maxSeq - b.firstSeq + 1 };
  return { packets: b.packets - a.packets, bytes: b.bytes - a.bytes, expected: b.maxSeq - a.maxSeq };
}

/** What one farm viewer received of video between two snapshots. */
export interface ViewerVideo {
  index: number;
  state: string;
  /** Video RTP bytes (payload + header) per second, kbit/s. */
  videoKbps: number;
  /** Missing video sequence numbers / expected, in the window (after retransmissions). */
  videoLossPercent: number;
  videoPackets: number;
  /** VP8 keyframes received in the window (layer switches start at one). */
  keyframes: number;
  /** Sequence numbers the viewer asked to have resent (NACK) in the window. */
  nackedPackets: number;
  /** Size of the last keyframe received so far: the layer the node sends this viewer. */
  width: number | null;
  height: number | null;
}

export function viewerVideoRates(a: FarmSnapshot, b: FarmSnapshot): ViewerVideo[] {
  const seconds = (b.at - a.at) / 1000;
  const before = new Map(a.viewers.map((v) => [v.index, v]));
  return b.viewers.map((v) => {
    const old = before.get(v.index);
    let bytes = 0;
    let packets = 0;
    let expected = 0;
    let keyframes = 0;
    let latest: SsrcCounters | undefined;
    for (const c of v.ssrcs) {
      if (c.kind !== 'video') continue;
      const previous = old?.ssrcs.find((x) => x.ssrc === c.ssrc);
      const d = ssrcDelta(previous, c);
      bytes += d.bytes;
      packets += d.packets;
      expected += Math.max(d.expected, d.packets);
      keyframes += (c.keyframes ?? 0) - (previous?.keyframes ?? 0);
      if (c.width !== undefined && (!latest || d.packets > 0)) latest = c;
    }
    return {
      index: v.index,
      state: v.state,
      videoKbps: seconds > 0 ? (bytes * 8) / 1000 / seconds : 0,
      videoLossPercent: expected > 0 ? ((expected - packets) / expected) * 100 : 0,
      videoPackets: packets,
      keyframes,
      nackedPackets: (v.nackedPackets ?? 0) - (old?.nackedPackets ?? 0),
      width: latest?.width ?? null,
      height: latest?.height ?? null,
    };
  });
}

export function farmRates(a: FarmSnapshot, b: FarmSnapshot) {
  const seconds = (b.at - a.at) / 1000;
  const before = new Map(a.viewers.map((v) => [v.index, v]));
  const perViewer = b.viewers.map((v) => {
    const old = before.get(v.index);
    const sums = { packets: 0, bytes: 0, expected: 0, videoBytes: 0, videoPackets: 0 };
    for (const c of v.ssrcs) {
      const d = ssrcDelta(old?.ssrcs.find((x) => x.ssrc === c.ssrc), c);
      sums.packets += d.packets;
      sums.bytes += d.bytes;
      // Retransmitted or duplicated packets can make received > expected: no negative loss.
      sums.expected += Math.max(d.expected, d.packets);
      if (c.kind === 'video') {
        sums.videoBytes += d.bytes;
        sums.videoPackets += d.packets;
      }
    }
    return { ...sums, state: v.state };
  });
  const n = perViewer.length;
  const mean = (f: (x: (typeof perViewer)[number]) => number) => (n ? perViewer.reduce((s, x) => s + f(x), 0) / n : 0);
  const expected = perViewer.reduce((s, x) => s + x.expected, 0);
  const lost = perViewer.reduce((s, x) => s + (x.expected - x.packets), 0);
  return {
    seconds,
    perViewerKbps: (mean((x) => x.bytes) * 8) / 1000 / seconds,
    perViewerVideoKbps: (mean((x) => x.videoBytes) * 8) / 1000 / seconds,
    perViewerPacketsPerSecond: mean((x) => x.packets) / seconds,
    forwardedPacketsPerSecond: perViewer.reduce((s, x) => s + x.packets, 0) / seconds,
    lossPercent: expected > 0 ? (lost / expected) * 100 : 0,
    worstViewerLossPercent: Math.max(0, ...perViewer.map((x) => (x.expected > 0 ? ((x.expected - x.packets) / x.expected) * 100 : 0))),
    stalledViewers: perViewer.filter((x) => x.videoPackets === 0).length,
    disconnectedViewers: perViewer.filter((x) => x.state !== 'connected').length,
    /** The sums behind the rates, so that several farms' windows can be added up (capacity.ts). */
    totals: { viewers: n, packets: perViewer.reduce((s, x) => s + x.packets, 0), expected, lost },
  };
}

export type FarmRates = ReturnType<typeof farmRates>;

/** Several farm processes' windows (farmRates of each, over its own clock) as one audience. */
export function combinedFarmRates(rates: readonly FarmRates[]) {
  const sum = (f: (r: FarmRates) => number) => rates.reduce((s, r) => s + f(r), 0);
  const viewers = sum((r) => r.totals.viewers);
  const expected = sum((r) => r.totals.expected);
  const lost = sum((r) => r.totals.lost);
  /** Mean over all viewers of a per-viewer rate. */
  const weighted = (f: (r: FarmRates) => number) => (viewers ? sum((r) => f(r) * r.totals.viewers) / viewers : 0);
  return {
    viewers,
    expected,
    lost,
    perViewerKbps: weighted((r) => r.perViewerKbps),
    perViewerVideoKbps: weighted((r) => r.perViewerVideoKbps),
    forwardedPacketsPerSecond: sum((r) => r.forwardedPacketsPerSecond),
    lossPercent: expected > 0 ? (lost / expected) * 100 : 0,
    worstViewerLossPercent: Math.max(0, ...rates.map((r) => r.worstViewerLossPercent)),
    stalledViewers: sum((r) => r.stalledViewers),
    disconnectedViewers: sum((r) => r.disconnectedViewers),
  };
}

export async function nodeViewers(baseUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${baseUrl}/api/status`, { signal: AbortSignal.timeout(3000) });
    return ((await res.json()) as { viewers?: number }).viewers ?? null;
  } catch {
    return null;
  }
}

export async function measurePoint(options: {
  nodePid: number;
  baseUrl: string;
  farm: ViewerFarm;
  publisher: BrowserPublisher;
  windowSeconds: number;
}): Promise<SweepPoint> {
  const { farm, publisher } = options;
  const pubA = await publisher.stats().catch(() => null);
  const farmA = await farm.snapshot();
  const window = await measureWindow({ node: options.nodePid, farm: farm.pid }, options.windowSeconds);
  const farmB = await farm.snapshot();
  const pubB = await publisher.stats().catch(() => null);
  const rates = farmRates(farmA, farmB);
  return {
    viewers: farmB.viewers.length,
    cpuPercent: round(window.cpuPercent.node!, 1),
    rssMB: round(window.rssMB.node!, 0),
    rssPeakMB: round(window.rssPeakMB.node!, 0),
    perViewerKbps: round(rates.perViewerKbps, 0),
    perViewerVideoKbps: round(rates.perViewerVideoKbps, 0),
    perViewerPacketsPerSecond: round(rates.perViewerPacketsPerSecond, 0),
    forwardedPacketsPerSecond: round(rates.forwardedPacketsPerSecond, 0),
    lossPercent: round(rates.lossPercent, 2),
    worstViewerLossPercent: round(rates.worstViewerLossPercent, 2),
    stalledViewers: rates.stalledViewers,
    disconnectedViewers: rates.disconnectedViewers,
    farmCpuPercent: round(window.cpuPercent.farm!, 1),
    machineBusyPercent: round(window.machineBusyPercent, 0),
    udpDrops: { node: window.udpDrops.node!, farm: window.udpDrops.farm!, machine: window.udpRcvbufErrors },
    windowSeconds: round(window.seconds, 2),
    publisher: pubA && pubB ? publisherRates(pubA, pubB) : null,
    nodeReportedViewers: await nodeViewers(options.baseUrl),
  };
}
