/**
 * Where a viewer's join time goes (issue #9): one timeline per join, node side and page side, on
 * one clock (both are wall-clock based: the page's timeOrigin + now, the node's the same).
 *
 *   node --import tsx test/bench/join-timeline.ts     (env: JOINS=8 WATCHING=0 SIMULCAST=1, AB=1|catchup, BASELINE_PAGES)
 *
 * The node runs in this process (startTestNode, with its viewers on the main thread: no forwarding
 * threads), so werift's prototypes can be watched: when the viewer's offer is applied, when ICE and
 * DTLS connect, when the first RTP and the first keyframe go out, when a PLI goes to the publisher,
 * and what arrives from the publisher on each layer. The publisher is the studio page with the
 * bench's noisy 720p camera; each join is the real viewer page in a fresh tab (as in ttff.ts), whose
 * init script marks fetches, the events socket, the offer, ICE gathering, ICE/DTLS states, the first
 * packet received (getStats, polled every 10 ms) and the first presented frame
 * (requestVideoFrameCallback). A diagnostic, not a benchmark section: it prints medians and
 * per-join rows to stdout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, type RtpPacket } from 'werift';
import { isKeyframeStart } from '../../server/sfu/video-frames.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { launchBenchChromium } from './browser.js';
import { ROOT } from './node-process.js';
import { startViewerFarm } from './farm-client.js';
import { machineBusyMeter } from './load.js';
import { startPublisher, waitForPublisherRamp } from './publisher.js';
import { distribution, log, round, sleep, withTimeout } from './stats.js';
import { makeNoisyY4m } from './y4m.js';

const JOINS = Number(process.env.JOINS ?? 8);
const WATCHING = Number(process.env.WATCHING ?? 0);
const SIMULCAST = process.env.SIMULCAST !== '0';
/**
 * AB=1: every other join is the baseline — the node answers as the DTLS client (werift's default)
 * and, with BASELINE_PAGES=<an older dist/renderer>, the page comes from that build — so both
 * variants run under the same load, interleaved.
 */
const AB_DTLS = process.env.AB === '1';
/** AB=catchup: every other join is the baseline without the cached group of pictures (CURBCAST_JOIN_CATCH_UP=off). */
const AB_CATCH_UP = process.env.AB === 'catchup';
const BASELINE_PAGES = process.env.BASELINE_PAGES;
let answerAsDtlsClient = false;

const now = () => performance.timeOrigin + performance.now();
// The first RTP to a viewer is seen at werift's RTCRtpSender.sendRtp: keep the node's send fast
// path (server/sfu/werift-fast-path.ts), which bypasses it, out of the way.
process.env.CURBCAST_SEND_FAST_PATH = 'off';

// ---- node side: marks per werift peer connection ------------------------------------------------
interface NodePeer {
  id: number;
  marks: Map<string, number>;
  /** What the stage's layers and this viewer's layer were at a moment, e.g. when it connected. */
  notes: string[];
}
/** Set once the node runs: the layers as the stage sees them, and each viewer's layer. */
let layerSnapshot: () => string = () => '';
const peers: NodePeer[] = [];
const peerOf = new WeakMap<object, NodePeer>();
let pliMarks: number[] = [];

function peer(pc: object): NodePeer {
  let p = peerOf.get(pc);
  if (!p) {
    p = { id: peers.length, marks: new Map(), notes: [] };
    peers.push(p);
    peerOf.set(pc, p);
  }
  return p;
}
const markOnce = (p: NodePeer, name: string, at = now()) => {
  if (!p.marks.has(name)) p.marks.set(name, at);
};

type AnyFn = (...args: never[]) => unknown;
function wrapAsync<T extends object>(proto: T, name: keyof T & string, before?: (self: object, args: unknown[]) => void, after?: (self: object, args: unknown[]) => void): void {
  const original = proto[name] as unknown as AnyFn;
  (proto as Record<string, unknown>)[name] = async function (this: object, ...args: unknown[]) {
    before?.(this, args);
    const result = await (original as (...a: unknown[]) => unknown).apply(this, args);
    after?.(this, args);
    return result;
  };
}

const pcProto = RTCPeerConnection.prototype as unknown as Record<string, unknown>;
wrapAsync(
  pcProto,
  'setRemoteDescription',
  (self) => {
    const p = peer(self);
    markOnce(p, 'offer applied (start)');
    const pc = self as RTCPeerConnection;
    pc.iceConnectionStateChange.subscribe((state) => markOnce(p, `ice ${state}`));
    pc.connectionStateChange.subscribe((state) => {
      markOnce(p, `pc ${state}`);
      if (state === 'connected') p.notes.push(`at connected: ${layerSnapshot()}`);
    });
    pc.iceGatheringStateChange.subscribe((state) => markOnce(p, `gathering ${state}`));
  },
  (self) => {
    const p = peer(self);
    markOnce(p, 'offer applied');
    for (const t of (self as RTCPeerConnection).dtlsTransports) t.onStateChange.subscribe((state) => markOnce(p, `dtls ${state}`));
  },
);
wrapAsync(pcProto, 'setLocalDescription', undefined, (self) => markOnce(peer(self), 'answer set'));

const senderProto = RTCRtpSender.prototype as unknown as Record<string, unknown>;
const originalSendRtp = senderProto.sendRtp as (this: RTCRtpSender, rtp: RtpPacket) => Promise<void>;
const senderPeer = new WeakMap<object, NodePeer>();
senderProto.sendRtp = function (this: RTCRtpSender, rtp: RtpPacket) {
  const p = senderPeer.get(this);
  if (p) {
    const kind = this.track?.kind ?? this.kind ?? '?';
    if (kind === 'video' && !p.marks.has('first video rtp sent')) p.notes.push(`at first video: ${layerSnapshot()}`);
    markOnce(p, `first ${kind} rtp sent`);
    if (kind === 'video' && this.codec && isKeyframeStart(this.codec.mimeType, rtp.payload)) markOnce(p, 'first keyframe sent');
  }
  return originalSendRtp.call(this, rtp);
};
wrapAsync(pcProto, 'createAnswer', (self) => {
  if (!answerAsDtlsClient) return;
  for (const t of (self as RTCPeerConnection).getTransceivers()) if (t.dtlsTransport?.role === 'server') t.dtlsTransport.role = 'auto';
}, (self) => {
  const p = peer(self);
  for (const t of (self as RTCPeerConnection).getTransceivers()) senderPeer.set(t.sender, p);
});
const receiverProto = RTCRtpReceiver.prototype as unknown as Record<string, unknown>;
const originalPli = receiverProto.sendRtcpPLI as (this: RTCRtpReceiver, ssrc: number) => Promise<void>;
/** What the node receives from the publisher, per layer (rid, or '' without simulcast): packet and keyframe arrival times. */
const received = new Map<string, { packets: number[]; keyframes: number[] }>();
const originalHandleRtp = receiverProto.handleRTP as (this: RTCRtpReceiver, packet: RtpPacket, extensions: unknown, track: { kind: string; rid?: string } | undefined) => void;
receiverProto.handleRTP = function (this: RTCRtpReceiver, packet: RtpPacket, extensions: unknown, track: { kind: string; rid?: string } | undefined) {
  if (track?.kind === 'video' && packet.payload.length > 0) {
    const rid = track.rid ?? '';
    let r = received.get(rid);
    if (!r) received.set(rid, (r = { packets: [], keyframes: [] }));
    const at = now();
    r.packets.push(at);
    if (isKeyframeStart('video/vp8', packet.payload)) r.keyframes.push(at);
  }
  return originalHandleRtp.call(this, packet, extensions, track);
};
receiverProto.sendRtcpPLI = function (this: RTCRtpReceiver, ssrc: number) {
  pliMarks.push(now());
  return originalPli.call(this, ssrc);
};

// ---- page side ----------------------------------------------------------------------------------
const PAGE_TIMELINE = `(() => {
  if (window.__tl) return;
  const marks = [];
  const at = () => performance.timeOrigin + performance.now();
  const mark = (name) => { if (!marks.some((m) => m[0] === name)) marks.push([name, at()]); };
  window.__tl = { marks };
  mark('page start');
  const nativeFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const path = new URL(url, location.href).pathname;
    const tag = ((init && init.method) || 'GET') + ' ' + path;
    const watched = path === '/whep' || path === '/api/ice';
    if (watched) mark(tag + ' start');
    const p = nativeFetch.apply(this, arguments);
    if (watched) p.then(() => mark(tag + ' answered'), () => undefined);
    return p;
  };
  document.addEventListener('DOMContentLoaded', () => mark('DOMContentLoaded'));
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...a) {
      super(...a);
      mark('events socket created');
      this.addEventListener('open', () => mark('events socket open'));
      this.addEventListener('message', (e) => { if (String(e.data).includes('"status"')) mark('events status received'); });
    }
  };
  const Native = window.RTCPeerConnection;
  class Timed extends Native {
    constructor(...args) {
      super(...args);
      mark('pc created');
      this.addEventListener('icegatheringstatechange', () => mark('gathering ' + this.iceGatheringState));
      this.addEventListener('icecandidate', (e) => mark(e.candidate ? 'first candidate' : 'null candidate'));
      this.addEventListener('iceconnectionstatechange', () => mark('ice ' + this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => mark('pc ' + this.connectionState));
    }
    async createOffer(...a) { mark('createOffer'); const r = await super.createOffer(...a); mark('offer created'); return r; }
    async setLocalDescription(...a) { const r = await super.setLocalDescription(...a); mark('offer set'); return r; }
    async setRemoteDescription(...a) {
      mark('answer applying');
      const r = await super.setRemoteDescription(...a);
      mark('answer applied');
      const transport = this.getReceivers()[0] && this.getReceivers()[0].transport;
      if (transport) transport.addEventListener('statechange', () => mark('dtls ' + transport.state));
      const pc = this;
      const poll = async () => {
        if (pc.connectionState === 'closed') return;
        const report = await pc.getStats();
        let done = false;
        report.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.packetsReceived > 0) mark('first ' + s.kind + ' rtp received');
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) { mark('first frame decoded (stats)'); done = true; }
        });
        if (!done) setTimeout(poll, 10);
      };
      setTimeout(poll, 0);
      return r;
    }
  }
  window.RTCPeerConnection = Timed;
  const watchVideo = () => {
    const video = document.querySelector('video');
    if (!video) return setTimeout(watchVideo, 5);
    video.requestVideoFrameCallback(() => mark('first frame presented'));
    video.addEventListener('loadeddata', () => mark('video loadeddata'), { once: true });
  };
  watchVideo();
})();`;

// ---- the run ------------------------------------------------------------------------------------
interface Join {
  variant: string;
  notes: string[];
  page: Map<string, number>;
  node: Map<string, number>;
  plis: number[];
  /** Per layer: keyframes received from the publisher, and the longest gap between its packets, in this join's window. */
  layers: Map<string, { keyframes: number[]; longestGapMs: number; gapEndsAt: number }>;
}

function layersDuring(from: number, to: number): Join['layers'] {
  const out: Join['layers'] = new Map();
  for (const [rid, r] of received) {
    const packets = r.packets.filter((t) => t >= from && t <= to);
    let longestGapMs = 0;
    let gapEndsAt = Number.NaN;
    for (let i = 1; i < packets.length; i++) {
      if (packets[i]! - packets[i - 1]! > longestGapMs) {
        longestGapMs = packets[i]! - packets[i - 1]!;
        gapEndsAt = packets[i]!;
      }
    }
    out.set(rid, { keyframes: r.keyframes.filter((t) => t >= from && t <= to), longestGapMs, gapEndsAt });
    // Keep memory flat over a long run.
    r.packets = r.packets.filter((t) => t >= to - 1000);
    r.keyframes = r.keyframes.filter((t) => t >= to - 1000);
  }
  return out;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'curbcast-timeline-'));
  // Every viewer here comes from 127.0.0.1: lift the per-address caps, as node-process.ts does.
  // Viewers on this thread (no forwarding threads): werift's prototypes are watched here only.
  const node = await startTestNode({ maxViewers: 200, viewerLimits: { perIp: 10_000, burstPerIp: 10_000 }, forwardingThreads: 0 });
  const baseUrl = `http://127.0.0.1:${node.port}`;
  layerSnapshot = () => {
    const stage = node.sfu.stage;
    const layers = stage?.videoLayers?.all.map((l) => `${l.id}${l.active ? '' : '(off)'} ${l.width ?? '?'}x${l.height ?? '?'} ${Math.round(l.bitrate / 1000)}k`).join(', ');
    return `layers [${layers ?? ''}] viewers on [${[...(stage?.viewerLayers().values() ?? [])].join(', ')}]`;
  };
  let viewers: Awaited<ReturnType<typeof launchBenchChromium>> | undefined;
  let publisher: Awaited<ReturnType<typeof startPublisher>> | undefined;
  let farm: Awaited<ReturnType<typeof startViewerFarm>> | undefined;
  try {
    const camera = makeNoisyY4m(tmp, { seconds: 5 });
    publisher = await startPublisher({ tmpRoot: tmp, baseUrl, token: TEST_TOKEN, y4mPath: camera.path, simulcast: SIMULCAST ? undefined : false });
    const ramp = await waitForPublisherRamp(publisher, { minSeconds: 6, maxSeconds: 15 });
    log(`publisher ${ramp.lastKbps} kbit/s ${ramp.width}x${ramp.height} (simulcast ${SIMULCAST ? 'on' : 'off'})`);
    if (WATCHING > 0) {
      farm = await startViewerFarm();
      const added = await farm.add(baseUrl, WATCHING, 15_000);
      log(`${WATCHING - added.failed.length} farm viewers watching`);
      await sleep(3000);
    }
    // A page fulfilled by Playwright has no address space of its own: Chromium's local network
    // access checks would then block its socket to 127.0.0.1. (The last --disable-features wins.)
    viewers = await launchBenchChromium(tmp, BASELINE_PAGES ? ['--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks'] : []);
    await viewers.context.addInitScript({ content: PAGE_TIMELINE });
    for (const page of viewers.context.pages()) await page.close();
    const joins: Join[] = [];
    const busy = machineBusyMeter();
    for (let i = 0; i < JOINS + 1; i++) {
      const before = peers.length;
      pliMarks = [];
      answerAsDtlsClient = AB_DTLS && i % 2 === 1;
      const withoutCatchUp = AB_CATCH_UP && i % 2 === 1;
      // Read by each Viewer as it is made (the node runs in this process).
      if (withoutCatchUp) process.env.CURBCAST_JOIN_CATCH_UP = 'off';
      else delete process.env.CURBCAST_JOIN_CATCH_UP;
      const page = await viewers.context.newPage();
      // Both variants' pages come through the same route (mixing routed and node-served loads of
      // one URL confused Chromium's cache: a revalidation failed now and then).
      if (BASELINE_PAGES) await servePages(page, answerAsDtlsClient ? BASELINE_PAGES : join(ROOT, 'dist/renderer'));
      try {
        const response = await page.goto(`${baseUrl}/`, { waitUntil: 'commit' }).catch(async (error: unknown) => {
          const res = await fetch(`${baseUrl}/`);
          throw new Error(`join ${i}: ${String(error).split('\n')[0]} (now: ${res.status} ${(await res.text()).slice(0, 200)})`);
        });
        if (response && !response.ok()) log(`join ${i}: page ${response.status()}`);
        const deadline = Date.now() + 15_000;
        let marks: Array<[string, number]> = [];
        while (Date.now() < deadline) {
          marks = (await page.evaluate('window.__tl ? window.__tl.marks : []')) as Array<[string, number]>;
          if (marks.some((m) => m[0] === 'first frame presented') && marks.some((m) => m[0] === 'first frame decoded (stats)')) break;
          await sleep(50);
        }
        const nodePeer = peers.slice(before).find((p) => p.marks.has('first video rtp sent')) ?? peers[before];
        const pageMarks = new Map(marks);
        const from = pageMarks.get('POST /whep start') ?? now() - 5000;
        const variant = answerAsDtlsClient
          ? `baseline (node DTLS client${BASELINE_PAGES ? ', baseline pages' : ''})`
          : withoutCatchUp
            ? 'baseline (no cached group of pictures)'
            : 'this tree';
        if (i > 0) joins.push({ variant, notes: nodePeer?.notes ?? [], page: pageMarks, node: nodePeer?.marks ?? new Map(), plis: pliMarks.slice(), layers: layersDuring(from, now()) });
      } finally {
        await withTimeout(page.close(), 5000, 'page close').catch(() => undefined);
      }
      await sleep(400);
    }
    const busyPercent = busy();
    for (const variant of new Set(joins.map((j) => j.variant))) report(variant, joins.filter((j) => j.variant === variant), busyPercent);
  } finally {
    await viewers?.close();
    if (farm) {
      await farm.stopViewers().catch(() => undefined);
      await farm.close().catch(() => undefined);
    }
    await publisher?.close();
    await node.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The viewer page (/, /assets/*) from a given build of dist/renderer, for this page only. */
async function servePages(page: Page, dir: string): Promise<void> {
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml', '.map': 'application/json' };
  await page.route(
    (url) => url.pathname === '/' || url.pathname.startsWith('/assets/'),
    async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = path === '/' ? join(dir, 'viewer/index.html') : join(dir, path);
      if (!existsSync(file)) return route.fulfill({ status: 404, body: 'not in the baseline build' });
      await route.fulfill({ status: 200, body: readFileSync(file), contentType: types[extname(file)] ?? 'application/octet-stream' });
    },
  );
}

function report(variant: string, joins: Join[], busyPercent: number): void {
  // Each join's marks relative to its page's POST /whep start (negative: before it).
  const rows = joins.map((j) => {
    const zero = j.page.get('POST /whep start') ?? Number.NaN;
    const rel = new Map<string, number>();
    for (const [k, v] of j.page) rel.set(`page: ${k}`, v - zero);
    for (const [k, v] of j.node) rel.set(`node: ${k}`, v - zero);
    j.plis.forEach((v, n) => rel.set(`node: PLI to publisher #${n + 1}`, v - zero));
    return rel;
  });
  const names = [...new Set(rows.flatMap((r) => [...r.keys()]))];
  const medians = names
    .map((name) => {
      const values = rows.map((r) => r.get(name)).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return { name, d: distribution(values), n: values.length };
    })
    .sort((a, b) => a.d.p50 - b.d.p50);
  process.stdout.write(`\nJoin timeline [${variant}], ms from the page's POST /whep start (${joins.length} joins, ${WATCHING} watching, simulcast ${SIMULCAST ? 'on' : 'off'}, machine ${Math.round(busyPercent)}% busy)\n`);
  process.stdout.write(`${'event'.padEnd(44)} ${'p50'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}   n\n`);
  for (const { name, d, n } of medians) {
    process.stdout.write(`${name.padEnd(44)} ${String(round(d.p50, 0)).padStart(7)} ${String(round(d.min, 0)).padStart(7)} ${String(round(d.max, 0)).padStart(7)}   ${n}\n`);
  }
  const key = ['page: first candidate', 'page: gathering complete', 'page: POST /whep answered', 'node: ice connected', 'page: ice connected', 'node: dtls connected', 'page: dtls connected', 'node: first video rtp sent', 'node: PLI to publisher #1', 'node: first keyframe sent', 'page: first frame presented'];
  process.stdout.write(`\nper join: ${key.map((k) => k.replace(/^(page|node): /, '$1:')).join(' | ')}\n`);
  rows.forEach((r, n) => {
    const zero = joins[n]!.page.get('POST /whep start') ?? Number.NaN;
    const layers = [...joins[n]!.layers]
      .map(([rid, l]) => `${rid || '-'}: keyframes at ${l.keyframes.map((t) => Math.round(t - zero)).join(',') || 'none'}, longest gap ${Math.round(l.longestGapMs)} ms ending at ${Math.round(l.gapEndsAt - zero)}`)
      .join('; ');
    process.stdout.write(`${key.map((k) => (r.has(k) ? String(Math.round(r.get(k)!)) : '-')).join(' | ')}\n    ${layers}\n${joins[n]!.notes.map((note) => `    ${note}\n`).join('')}`);
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
