/**
 * Glass-to-glass latency: a publisher page draws its own clock into every frame of a canvas stream
 * as a machine-readable code; a viewer (the real viewer page, `/`) reads the code back from each
 * frame it presents (requestVideoFrameCallback) and subtracts it from its own clock at the frame's
 * expected display time. Both pages run on this machine, in two Chromium processes; their clocks
 * (`performance.timeOrigin + performance.now()`, wall-clock based) are compared with this process's
 * through Playwright round trips (NTP-style, fastest of 11), and the difference is corrected for.
 *
 * The code: two rows of 40 blocks (32 × 64 px at 1280×720) across the top of the frame — the low 32
 * bits of the sender's clock in ms and a CRC-8 — the second row inverted, so that each bit is read
 * by comparing the two rows (immune to brightness shifts); a frame whose CRC does not match is
 * dropped (counted as a misread). The viewer reads the code rows of the frame's luma plane
 * (VideoFrame.copyTo of that rectangle: no RGB conversion of the frame), or, where it cannot, from a
 * canvas. Below the code, temporal noise and moving shapes keep the encoder spending a realistic
 * bitrate (~2 Mbit/s at 720p), like the sweep's noisy y4m camera. Video only by default (as issue #9
 * describes it); with audio, the viewer holds video back to the audio's delay (lip sync).
 *
 * Load: one real decoding viewer is measured; the other viewers are werift viewers in the viewer
 * farm (no decoding) — they load the node (forwarding, keyframe requests) the way real viewers do,
 * without decoding 25 × 720p in Chromium on a 2-core machine. They join at normal priority and
 * then watch at a lower one (farmNice): they are the crowd, not the subject.
 */
import { cpus } from 'node:os';
import type { Page } from 'playwright-core';
import { launchBenchChromium, type BenchBrowser } from './browser.js';
import { PEER_CONNECTION_HOOK, READ_PUBLISHER_STATS } from './browser-scripts.js';
import type { ViewerFarm } from './farm-client.js';
import { renice } from './load.js';
import { measureWindow, treeCpuMeter, type TreeCpuMeter } from './proc-stats.js';
import { publisherRates, type PublisherRates, type PublisherStats } from './publisher.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';
import { nodeViewers } from './sweep.js';

const BITS = 40;

/** The publisher page's script: canvas clock stream, sent over WHIP (no simulcast). */
export function clockPublisherScript(
  token: string,
  options: { width?: number; height?: number; fps?: number; noise?: number; audio?: 'microphone' | 'none' } = {},
): string {
  const { width = 1280, height = 720, fps = 30, noise = 10, audio = 'none' } = options;
  return `(async () => {
  const W = ${width}, H = ${height}, FPS = ${fps}, NOISE = ${noise}, BITS = ${BITS};
  const BW = W / BITS, RH = Math.round(H * 64 / 720), CODE_H = 2 * RH;
  const canvas = document.createElement('canvas');
  canvas.width = W; canvas.height = H;
  canvas.style.cssText = 'position:fixed;left:0;top:0;width:320px;height:180px';
  (document.body || document.documentElement).appendChild(canvas);
  const ctx = canvas.getContext('2d');
  // Eight precomputed noisy backgrounds, cycled: temporal noise the encoder cannot predict away.
  let seed = 0x9e3779b9;
  const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
  const SH = H - CODE_H;
  const scenes = [];
  for (let k = 0; k < 8; k++) {
    const img = ctx.createImageData(W, SH);
    const d = img.data;
    for (let y = 0, i = 0; y < SH; y++) {
      for (let x = 0; x < W; x++, i += 4) {
        const n = (rnd() - 0.5) * 2 * NOISE;
        d[i] = 40 + (x * 170) / W + n; d[i + 1] = 50 + (y * 150) / SH + n; d[i + 2] = 140 - (x * 80) / W + n; d[i + 3] = 255;
      }
    }
    // Drawn from a canvas each frame (a plain blit), not put (putImageData converts every pixel).
    const scene = document.createElement('canvas');
    scene.width = W; scene.height = SH;
    scene.getContext('2d').putImageData(img, 0, 0);
    scenes.push(scene);
  }
  const crc8 = (bytes) => {
    let c = 0;
    for (const b of bytes) { c ^= b; for (let j = 0; j < 8; j++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff; }
    return c;
  };
  let frame = 0;
  const draw = () => {
    const t = performance.timeOrigin + performance.now();
    const v = Math.floor(t) % 4294967296;
    const bytes = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    const all = [...bytes, crc8(bytes)];
    ctx.drawImage(scenes[frame % scenes.length], 0, CODE_H);
    for (let s = 0; s < 6; s++) {
      const x = ((frame * (4 + 3 * s) + s * 211) % (W + 240)) - 120;
      ctx.fillStyle = 'hsl(' + s * 60 + ',80%,50%)';
      ctx.fillRect(x, CODE_H + 30 + s * Math.floor((SH - 90) / 6), 180, 60);
    }
    for (let i = 0; i < BITS; i++) {
      const bit = (all[i >> 3] >> (7 - (i & 7))) & 1;
      ctx.fillStyle = bit ? '#fff' : '#000';
      ctx.fillRect(i * BW, 0, BW, RH);
      ctx.fillStyle = bit ? '#000' : '#fff';
      ctx.fillRect(i * BW, RH, BW, RH);
    }
    frame++;
  };
  draw();
  const timer = setInterval(draw, 1000 / FPS);
  const stream = canvas.captureStream(FPS);
  // Optional audio, from Chromium's fake microphone as in the studio (the viewer then syncs video to it).
  if (${JSON.stringify(audio)} === 'microphone') {
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    stream.addTrack(mic.getAudioTracks()[0]);
  }
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const t = setTimeout(resolve, 2000);
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } });
  });
  const res = await fetch('/whip', {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + ${JSON.stringify(token)} },
    body: pc.localDescription.sdp,
  });
  const answer = await res.text();
  if (res.status !== 201) { clearInterval(timer); pc.close(); throw new Error('WHIP ' + res.status + ': ' + answer.slice(0, 200)); }
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  window.__g2gPublisher = { pc, timer, location: res.headers.get('location'), frames: () => frame };
  return { location: res.headers.get('location'), audio: stream.getAudioTracks().length > 0 };
})()`;
}

/** The viewer page's reader: decodes the clock from each presented frame (see the module comment). */
export const CLOCK_READER = `(() => {
  if (window.__g2g) return 'ok';
  const video = document.querySelector('video[data-testid=player]') || document.querySelector('video');
  if (!video) return 'no video element';
  if (!video.requestVideoFrameCallback) return 'no requestVideoFrameCallback';
  const BITS = ${BITS}, CW = BITS * 16, CH = 64;
  const canvas = document.createElement('canvas');
  canvas.width = CW; canvas.height = CH;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const crc8 = (bytes) => {
    let c = 0;
    for (const b of bytes) { c ^= b; for (let j = 0; j < 8; j++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff; }
    return c;
  };
  const st = { samples: [], frames: 0, misreads: 0, errors: [], width: 0, height: 0, method: null };
  window.__g2g = st;
  // Mean luminance of the middle of block bx in code row \`row\` (reader canvas: 16 × 32 px per block).
  const lum = (d, bx, row) => {
    let s = 0, n = 0;
    for (let y = row * 32 + 8; y < row * 32 + 24; y += 2) for (let x = bx * 16 + 4; x < bx * 16 + 12; x++) { const i = (y * CW + x) * 4; s += d[i] + d[i + 1] + d[i + 2]; n++; }
    return s / n / 3;
  };
  const decode = (bitAt) => {
    const b = [0, 0, 0, 0, 0];
    for (let i = 0; i < BITS; i++) if (bitAt(i)) b[i >> 3] |= 1 << (7 - (i & 7));
    if (crc8(b.slice(0, 4)) !== b[4]) return null;
    return b[0] * 16777216 + b[1] * 65536 + b[2] * 256 + b[3];
  };
  const record = (code, now, meta) => {
    if (code === null) { st.misreads++; return; }
    const origin = performance.timeOrigin;
    const display = origin + meta.expectedDisplayTime;
    const whole = Math.floor(display);
    // The code holds the sender's ms modulo 2^32: take the sending time nearest to now.
    const back = ((((whole - code) % 4294967296) + 4294967296 + 2147483648) % 4294967296) - 2147483648;
    const sent = whole - back;
    st.samples.push([display - sent, origin + now - sent, typeof meta.receiveTime === 'number' ? origin + meta.receiveTime - sent : null]);
  };
  const decodeRows = (a, b, white) => {
    let code = decode((i) => a[i] > b[i]);
    if (code === null) code = decode((i) => a[i] > white / 2);
    if (code === null) code = decode((i) => b[i] < white / 2);
    return code;
  };
  // Preferred: the frame's luma plane, code rows only (no RGB conversion of the whole frame).
  let useLuma = typeof VideoFrame === 'function';
  let lumaFailures = 0;
  const readLuma = async (now, meta, vw, vh) => {
    const frame = new VideoFrame(video);
    try {
      if (!/^(I420|I420A|I422|I444|NV12)/.test(frame.format || '')) return false;
      const w = frame.visibleRect ? frame.visibleRect.width : frame.codedWidth;
      const h = Math.min(frame.codedHeight, 2 * Math.ceil((frame.codedHeight * 64) / 720));
      const rect = { x: 0, y: 0, width: w - (w % 2), height: h };
      const buf = new Uint8Array(frame.allocationSize({ rect }));
      const layout = await frame.copyTo(buf, { rect });
      const { offset, stride } = layout[0];
      const bw = rect.width / BITS, rh = h / 2;
      const at = (bx, row) => {
        let s = 0, n = 0;
        const x0 = Math.floor(bx * bw + bw / 4), x1 = Math.ceil(bx * bw + (3 * bw) / 4);
        for (let y = Math.floor(row * rh + rh / 4); y < row * rh + (3 * rh) / 4; y += 2) for (let x = x0; x < x1; x++) { s += buf[offset + y * stride + x]; n++; }
        return s / n;
      };
      const a = [], b = [];
      for (let i = 0; i < BITS; i++) { a.push(at(i, 0)); b.push(at(i, 1)); }
      st.width = vw; st.height = vh; st.method = 'luma';
      record(decodeRows(a, b, 255), now, meta);
      return true;
    } finally {
      frame.close();
    }
  };
  const readRgb = (now, meta, vw, vh) => {
    ctx.drawImage(video, 0, 0, vw, (vh * 128) / 720, 0, 0, CW, CH);
    const d = ctx.getImageData(0, 0, CW, CH).data;
    const a = [], b = [];
    for (let i = 0; i < BITS; i++) { a.push(lum(d, i, 0)); b.push(lum(d, i, 1)); }
    st.width = vw; st.height = vh; st.method = 'rgb';
    record(decodeRows(a, b, 255), now, meta);
  };
  const onFrame = async (now, meta) => {
    video.requestVideoFrameCallback(onFrame);
    st.frames++;
    const vw = video.videoWidth, vh = video.videoHeight;
    if (!vw || !vh) return;
    // (The first frames can fail with "Invalid source state"; give up on the luma plane only if it keeps failing.)
    try {
      if (useLuma && (await readLuma(now, meta, vw, vh))) { lumaFailures = 0; return; }
      if (useLuma) useLuma = false;
    } catch (e) {
      if (++lumaFailures >= 30) useLuma = false;
      if (st.errors.length < 5 && lumaFailures >= 30) st.errors.push('luma: ' + String(e && e.message || e));
      return;
    }
    try {
      readRgb(now, meta, vw, vh);
    } catch (e) {
      if (st.errors.length < 5) st.errors.push(String(e && e.message || e));
    }
  };
  video.requestVideoFrameCallback(onFrame);
  return 'ok';
})()`;

/** Evaluates to the samples the page took since the last call (and starts afresh). */
export const TAKE_SAMPLES = `(() => {
  const s = window.__g2g;
  if (!s) return null;
  const out = { samples: s.samples, frames: s.frames, misreads: s.misreads, errors: s.errors.slice(), width: s.width, height: s.height, method: s.method };
  s.samples = []; s.frames = 0; s.misreads = 0;
  return out;
})()`;

/** The viewer page's inbound video stats (its peer connection is kept by PEER_CONNECTION_HOOK). */
const READ_INBOUND = `(async () => {
  for (const pc of [...(window.__benchPcs || [])].reverse()) {
    if (pc.connectionState === 'closed') continue;
    let found = null;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') found = {
        at: performance.now(), framesDecoded: s.framesDecoded ?? 0, framesDropped: s.framesDropped ?? 0,
        jitterBufferDelay: s.jitterBufferDelay ?? 0, jitterBufferEmittedCount: s.jitterBufferEmittedCount ?? 0,
        totalDecodeTime: s.totalDecodeTime ?? 0, freezeCount: s.freezeCount ?? 0, keyFramesDecoded: s.keyFramesDecoded ?? 0,
        packetsLost: s.packetsLost ?? 0, packetsReceived: s.packetsReceived ?? 0, nackCount: s.nackCount ?? 0,
        audioJitterBufferDelay: 0, audioJitterBufferEmittedCount: 0,
      };
    });
    if (found) (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        found.audioJitterBufferDelay = s.jitterBufferDelay ?? 0;
        found.audioJitterBufferEmittedCount = s.jitterBufferEmittedCount ?? 0;
      }
    });
    if (found) return found;
  }
  return null;
})()`;

interface Inbound {
  at: number;
  framesDecoded: number;
  framesDropped: number;
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  totalDecodeTime: number;
  freezeCount: number;
  keyFramesDecoded: number;
  packetsLost: number;
  packetsReceived: number;
  nackCount: number;
  audioJitterBufferDelay: number;
  audioJitterBufferEmittedCount: number;
}

export interface Taken {
  /** [expected display, callback, receive] − sent, ms (before the clock correction). */
  samples: Array<[number, number, number | null]>;
  frames: number;
  misreads: number;
  errors: string[];
  width: number;
  height: number;
  /** How the code was read: the frame's luma plane (VideoFrame.copyTo) or a canvas (drawImage). */
  method: 'luma' | 'rgb' | null;
}

export interface ClockOffset {
  /** Page clock (timeOrigin + now) − this process's clock at the midpoint of the fastest round trip, ms. */
  perfOffsetMs: number;
  /** The same with Date.now() on both sides, ms. */
  dateOffsetMs: number;
  /** The fastest round trip (the uncertainty of the offset is at most half of it), ms. */
  rttMs: number;
}

/** NTP-style: several Playwright round trips, the offset from the fastest. */
async function clockOffset(page: Page, rounds = 11): Promise<ClockOffset> {
  let best: ClockOffset | undefined;
  for (let i = 0; i < rounds; i++) {
    const a = performance.timeOrigin + performance.now();
    const aDate = Date.now();
    const r = (await page.evaluate('({ perf: performance.timeOrigin + performance.now(), date: Date.now() })')) as { perf: number; date: number };
    const b = performance.timeOrigin + performance.now();
    const bDate = Date.now();
    const rtt = b - a;
    if (!best || rtt < best.rttMs) best = { perfOffsetMs: r.perf - (a + b) / 2, dateOffsetMs: r.date - (aDate + bDate) / 2, rttMs: rtt };
  }
  return { perfOffsetMs: round(best!.perfOffsetMs, 2), dateOffsetMs: round(best!.dateOffsetMs, 2), rttMs: round(best!.rttMs, 2) };
}

export interface ClockCheck {
  publisher: ClockOffset;
  viewer: ClockOffset;
  /** viewer − publisher perf-clock offset: subtracted from every raw latency, ms. */
  correctionMs: number;
  /** The same from Date.now(), for comparison, ms. */
  dateCorrectionMs: number;
  /** ± bound on the correction's own error (half the two round trips), ms. */
  uncertaintyMs: number;
}

export async function clockCheck(publisher: Page, viewer: Page): Promise<ClockCheck> {
  const p = await clockOffset(publisher);
  const v = await clockOffset(viewer);
  return {
    publisher: p,
    viewer: v,
    correctionMs: round(v.perfOffsetMs - p.perfOffsetMs, 2),
    dateCorrectionMs: round(v.dateOffsetMs - p.dateOffsetMs, 2),
    uncertaintyMs: round((p.rttMs + v.rttMs) / 2, 2),
  };
}

export interface GlassToGlassPoint {
  /** Viewers the node served during the window: 1 measured (Chromium, decoding) + farm viewers. */
  viewers: number;
  farmViewers: number;
  farmJoinFailures: string[];
  /** Sender's clock when it drew the frame → the viewer's expected display time of that frame, clock-corrected. */
  latencyMs: Distribution;
  /** … → the requestVideoFrameCallback's own time (the frame's rendering step). */
  callbackLatencyMs: Distribution;
  /** … → when the viewer received the frame's last packet (metadata.receiveTime): capture + encode + network. */
  receiveLatencyMs: Distribution | null;
  samples: number;
  /** Frames presented during the window, and those whose code failed its CRC (dropped). */
  framesPresented: number;
  misreads: number;
  receivedWidth: number;
  receivedHeight: number;
  readMethod: 'luma' | 'rgb' | null;
  /** The publisher's and the measured viewer's Chromium (whole process trees), % of one core. */
  browserCpuPercent: { publisher: number | null; viewer: number | null };
  /** The machine's busy time not accounted for by the above, the node, the farm or the bench itself, % of one core: other processes. */
  otherCpuPercent: number;
  /** The viewer's own getStats over the window. */
  viewerInbound: {
    fps: number;
    framesDropped: number;
    jitterBufferMs: number | null;
    /** The audio's jitter buffer: with lip sync, video waits for audio (it can hold video longer). */
    audioJitterBufferMs: number | null;
    decodeMs: number | null;
    freezes: number;
    keyframes: number;
    packetsLost: number;
    nacks: number;
  } | null;
  publisher: PublisherRates | null;
  /** Node and farm, % of one core; whole machine, % of all cores. */
  nodeCpuPercent: number;
  farmCpuPercent: number | null;
  machineBusyPercent: number;
  windowSeconds: number;
  nodeReportedViewers: number | null;
}

export interface GlassToGlass {
  method: string;
  /** The viewer farm's nice value during the section (null: unchanged). */
  farmNice: number | null;
  /** The publisher's audio track (the viewer delays video to play it in sync with the audio). */
  audio: 'fake microphone' | 'none';
  /** Before the first window, and after the last. */
  clock: { before: ClockCheck; after: ClockCheck | null; correctionUsedMs: number };
  publisherRamp: Ramp | null;
  points: GlassToGlassPoint[];
  pageErrors: string[];
}

const METHOD =
  'canvas 1280x720 captureStream(30) with a 40-bit clock code (ms mod 2^32 + CRC-8, two rows, second inverted) over noise and moving shapes → WHIP (no simulcast) → node → WHEP → the real viewer page `/`; requestVideoFrameCallback reads the code from each presented frame; latency = timeOrigin + expectedDisplayTime − sent, corrected by the measured clock offset between the two Chromium processes. Extra viewers are werift viewers (viewer farm, no decoding, reniced as background load). Video only unless BENCH_LATENCY_AUDIO=microphone (then lip sync can hold video back to the audio delay).';

function inboundDelta(a: Inbound | null, b: Inbound | null): GlassToGlassPoint['viewerInbound'] {
  if (!a || !b) return null;
  const seconds = (b.at - a.at) / 1000;
  const emitted = b.jitterBufferEmittedCount - a.jitterBufferEmittedCount;
  const decoded = b.framesDecoded - a.framesDecoded;
  return {
    fps: round(decoded / seconds, 1),
    framesDropped: b.framesDropped - a.framesDropped,
    jitterBufferMs: emitted > 0 ? round(((b.jitterBufferDelay - a.jitterBufferDelay) / emitted) * 1000, 1) : null,
    audioJitterBufferMs:
      b.audioJitterBufferEmittedCount > a.audioJitterBufferEmittedCount
        ? round(((b.audioJitterBufferDelay - a.audioJitterBufferDelay) / (b.audioJitterBufferEmittedCount - a.audioJitterBufferEmittedCount)) * 1000, 1)
        : null,
    decodeMs: decoded > 0 ? round(((b.totalDecodeTime - a.totalDecodeTime) / decoded) * 1000, 2) : null,
    freezes: b.freezeCount - a.freezeCount,
    keyframes: b.keyFramesDecoded - a.keyFramesDecoded,
    packetsLost: b.packetsLost - a.packetsLost,
    nacks: b.nackCount - a.nackCount,
  };
}

interface Ramp {
  seconds: number;
  lastKbps: number;
  width: number | null;
  height: number | null;
  settled: boolean;
}

/**
 * Like publisher.ts's waitForPublisherRamp, for this page: at least `minSeconds`, then two 2 s
 * windows in a row with the same resolution and video bitrates within 10%, or `maxSeconds`.
 */
async function waitForRamp(stats: () => Promise<PublisherStats>, minSeconds = 8, maxSeconds = 20): Promise<Ramp> {
  const started = performance.now();
  let previous = await stats();
  let last: PublisherRates | undefined;
  for (;;) {
    await sleep(2000);
    const current = await stats();
    const rates = publisherRates(previous, current);
    previous = current;
    const seconds = (performance.now() - started) / 1000;
    const settled =
      last !== undefined && seconds >= minSeconds && rates.width === last.width && rates.height === last.height && last.videoKbps > 0 && Math.abs(rates.videoKbps - last.videoKbps) / last.videoKbps < 0.1;
    if (settled || seconds >= maxSeconds) return { seconds: round(seconds, 1), lastKbps: rates.videoKbps, width: rates.width, height: rates.height, settled };
    last = rates;
  }
}

function browserMeter(browser: BenchBrowser): TreeCpuMeter | undefined {
  const pid = browser.pid();
  return pid === undefined ? undefined : treeCpuMeter(pid);
}

export async function measureGlassToGlass(options: {
  /** Where the Chromium profiles go (removed with them). */
  tmpRoot: string;
  baseUrl: string;
  token: string;
  nodePid: number;
  /** The viewer farm for the loaded point (its viewers are stopped at the end). */
  farm: ViewerFarm;
  /** Total viewers at each point, 1 measured + (n − 1) farm viewers, ascending, e.g. [1, 25]. */
  viewerPoints: number[];
  windowSeconds: number;
  settleSeconds: number;
  joinTimeoutMs: number;
  /** The publisher's audio: none (default: the canvas stream alone) or Chromium's fake microphone (lip sync). */
  audio?: 'microphone' | 'none';
  /**
   * The farm's nice value during the section (it is load, not the subject: on a small machine its
   * CPU would otherwise come out of the publisher's and viewer's); null leaves it as it is.
   */
  farmNice?: number | null;
}): Promise<GlassToGlass> {
  const { baseUrl, farm, windowSeconds } = options;
  const pageErrors: string[] = [];
  const farmNice = options.farmNice ?? null;
  let restoreNice: (() => void) | undefined;
  let pubBrowser: BenchBrowser | undefined;
  let viewBrowser: BenchBrowser | undefined;
  try {
    // The publisher: any page of the node's origin, a canvas stream over WHIP.
    pubBrowser = await launchBenchChromium(options.tmpRoot);
    await pubBrowser.context.addInitScript({ content: PEER_CONNECTION_HOOK });
    const pubPage = pubBrowser.context.pages()[0] ?? (await pubBrowser.context.newPage());
    pubPage.on('pageerror', (e) => pageErrors.push(`publisher: ${e.message}`));
    // A small window: the canvas is shown at 320×180; compositing a large page costs CPU for nothing.
    await pubPage.setViewportSize({ width: 400, height: 300 });
    await pubPage.goto(`${baseUrl}/api/status`, { timeout: 15_000 });
    const published = (await withTimeout(pubPage.evaluate(clockPublisherScript(options.token, { audio: options.audio ?? 'none' })), 30_000, 'the clock publisher going live')) as {
      location: string;
      audio: boolean;
    };
    log(`latency: clock publisher live (${published.audio ? 'video + fake microphone' : 'video only'}); waiting for its bitrate to settle`);
    const pub = { stats: () => withTimeout(pubPage.evaluate(READ_PUBLISHER_STATS) as Promise<PublisherStats>, 10_000, 'publisher getStats') };
    const publisherRamp = await waitForRamp(pub.stats);
    log(`latency: publisher at ${publisherRamp.lastKbps} kbit/s ${publisherRamp.width}x${publisherRamp.height}`);

    // The measured viewer: the real viewer page in another Chromium.
    viewBrowser = await launchBenchChromium(options.tmpRoot);
    await viewBrowser.context.addInitScript({ content: PEER_CONNECTION_HOOK });
    const viewPage = viewBrowser.context.pages()[0] ?? (await viewBrowser.context.newPage());
    viewPage.on('pageerror', (e) => pageErrors.push(`viewer: ${e.message}`));
    // A phone's viewport (the viewer page is made for phones).
    await viewPage.setViewportSize({ width: 390, height: 844 });
    await viewPage.goto(`${baseUrl}/`, { timeout: 15_000 });
    const installed = (await viewPage.evaluate(CLOCK_READER)) as string;
    if (installed !== 'ok') throw new Error(`cannot read frames in the viewer page: ${installed}`);
    const firstDeadline = Date.now() + 20_000;
    for (;;) {
      const t = (await viewPage.evaluate('window.__g2g ? window.__g2g.samples.length : 0')) as number;
      if (t > 0) break;
      if (Date.now() > firstDeadline) {
        const probe = (await viewPage.evaluate('({ frames: window.__g2g.frames, misreads: window.__g2g.misreads, errors: window.__g2g.errors })')) as object;
        throw new Error(`the viewer page decoded no clock code within 20 s (${JSON.stringify(probe)})`);
      }
      await sleep(200);
    }
    const before = await clockCheck(pubPage, viewPage);
    log(`latency: clocks — viewer − publisher ${before.correctionMs} ms (Date.now(): ${before.dateCorrectionMs} ms, ±${before.uncertaintyMs} ms)`);

    const points: GlassToGlassPoint[] = [];
    const raw: Array<{ taken: Taken; point: Omit<GlassToGlassPoint, 'latencyMs' | 'callbackLatencyMs' | 'receiveLatencyMs' | 'samples'> }> = [];
    for (const total of options.viewerPoints) {
      const wantFarm = Math.max(0, total - 1);
      const have = (await farm.snapshot()).viewers.length;
      const farmJoinFailures: string[] = [];
      if (wantFarm > have) {
        log(`latency: adding ${wantFarm - have} farm viewers`);
        const added = await farm.add(baseUrl, wantFarm - have, options.joinTimeoutMs);
        farmJoinFailures.push(...added.failed.map((f) => f.error));
      }
      // Joined at normal priority (a starved handshake fails); watched in the background.
      if (wantFarm > 0 && farmNice !== null) restoreNice ??= renice(farm.pid, farmNice);
      await sleep(options.settleSeconds * 1000);
      const farmViewers = (await farm.snapshot()).viewers.length;
      log(`latency: measuring at ${farmViewers + 1} viewers for ${windowSeconds} s`);
      await viewPage.evaluate(TAKE_SAMPLES);
      const inA = (await viewPage.evaluate(READ_INBOUND)) as Inbound | null;
      const pubA = await pub.stats().catch(() => null);
      const meters = { publisher: browserMeter(pubBrowser), viewer: browserMeter(viewBrowser) };
      const started = performance.now();
      const self0 = process.cpuUsage();
      const ticker = setInterval(() => {
        meters.publisher?.sample();
        meters.viewer?.sample();
      }, 1000);
      const window = await measureWindow({ node: options.nodePid, ...(farmViewers ? { farm: farm.pid } : {}) }, windowSeconds).finally(() => clearInterval(ticker));
      meters.publisher?.sample();
      meters.viewer?.sample();
      const elapsed = (performance.now() - started) / 1000;
      const self = process.cpuUsage(self0);
      const browserCpuPercent = {
        publisher: meters.publisher ? round((meters.publisher.cpuSeconds() / elapsed) * 100, 1) : null,
        viewer: meters.viewer ? round((meters.viewer.cpuSeconds() / elapsed) * 100, 1) : null,
      };
      // What the rest of the machine used meanwhile (other processes: the noise in these numbers).
      const ours =
        (browserCpuPercent.publisher ?? 0) +
        (browserCpuPercent.viewer ?? 0) +
        window.cpuPercent.node! +
        (farmViewers ? window.cpuPercent.farm! : 0) +
        ((self.user + self.system) / 1e6 / elapsed) * 100;
      const otherCpuPercent = round(Math.max(0, window.machineBusyPercent * cpus().length - ours), 0);
      const taken = (await viewPage.evaluate(TAKE_SAMPLES)) as Taken;
      const inB = (await viewPage.evaluate(READ_INBOUND)) as Inbound | null;
      const pubB = await pub.stats().catch(() => null);
      if (taken.errors.length) pageErrors.push(...taken.errors.map((e) => `reader: ${e}`));
      raw.push({
        taken,
        point: {
          viewers: farmViewers + 1,
          farmViewers,
          farmJoinFailures,
          framesPresented: taken.frames,
          misreads: taken.misreads,
          receivedWidth: taken.width,
          receivedHeight: taken.height,
          readMethod: taken.method,
          browserCpuPercent,
          otherCpuPercent,
          viewerInbound: inboundDelta(inA, inB),
          publisher: pubA && pubB ? publisherRates(pubA, pubB) : null,
          nodeCpuPercent: round(window.cpuPercent.node!, 1),
          farmCpuPercent: farmViewers ? round(window.cpuPercent.farm!, 1) : null,
          machineBusyPercent: round(window.machineBusyPercent, 0),
          windowSeconds: round(window.seconds, 2),
          nodeReportedViewers: await nodeViewers(baseUrl),
        },
      });
    }
    const after = await clockCheck(pubPage, viewPage).catch(() => null);
    // The mean of the two checks (they should agree within their uncertainty).
    const correctionUsedMs = round(after ? (before.correctionMs + after.correctionMs) / 2 : before.correctionMs, 2);
    for (const { taken, point } of raw) {
      const corrected = (i: 0 | 1 | 2) => taken.samples.map((s) => s[i]).filter((v): v is number => typeof v === 'number').map((v) => v - correctionUsedMs);
      const receive = corrected(2);
      points.push({
        ...point,
        latencyMs: distribution(corrected(0)),
        callbackLatencyMs: distribution(corrected(1)),
        receiveLatencyMs: receive.length ? distribution(receive) : null,
        samples: taken.samples.length,
      });
      const p = points.at(-1)!;
      log(
        `latency: ${p.viewers} viewer(s): p50 ${p.latencyMs.p50} ms p95 ${p.latencyMs.p95} ms max ${p.latencyMs.max} ms (n ${p.samples}, ${p.misreads} misreads, ${p.receivedWidth}x${p.receivedHeight} read from ${p.readMethod}; CPU publisher ${p.browserCpuPercent.publisher}% viewer ${p.browserCpuPercent.viewer}% node ${p.nodeCpuPercent}%, farm ${p.farmCpuPercent ?? 0}%, others ${p.otherCpuPercent}%; machine ${p.machineBusyPercent}% busy)`,
      );
    }
    await pubPage
      .evaluate(`(async () => { const p = window.__g2gPublisher; clearInterval(p.timer); await fetch(p.location, { method: 'DELETE', headers: { Authorization: 'Bearer ' + ${JSON.stringify(options.token)} } }); p.pc.close(); })()`)
      .catch(() => undefined);
    return { method: METHOD, farmNice, audio: published.audio ? 'fake microphone' : 'none', clock: { before, after, correctionUsedMs }, publisherRamp, points, pageErrors: pageErrors.slice(0, 20) };
  } finally {
    await withTimeout(farm.stopViewers(), 15_000, 'stopping farm viewers').catch(() => undefined);
    restoreNice?.();
    await viewBrowser?.close();
    await pubBrowser?.close();
  }
}
