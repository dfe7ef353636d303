/**
 * Shorts: how fast the studio makes a vertical (9:16) short of a 30 s 720p range — the real page in
 * headless Chromium (mediabunny + WebCodecs VP8, crop on an OffscreenCanvas, Opus copied, upload to
 * POST /api/clips/vertical) — side by side with ffmpeg's libvpx doing the same crop, scale and
 * bitrate on the same machine.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { LIBRARY_FILE, openLibraryDatabase } from '../../server/library/database.js';
import { ffprobe } from '../helpers/ffprobe.js';
import { addSyntheticRecording } from '../helpers/synthetic-media.js';
import { launchBenchChromium } from './browser.js';
import { ticksPerSecond } from './proc-stats.js';
import { log, round, sleep, withTimeout } from './stats.js';

const run = promisify(execFile);

/** What the studio encodes to (renderer/studio/clip-editor/vertical-export.ts, common/limits.ts). */
const SHORT = { width: 720, height: 1280, videoKbps: 2500, keyframeSeconds: 2 } as const;
/** The page's timing and the file's checks. */
const DURATION_TOLERANCE_S = 0.2;

export interface VerticalSource {
  dataDir: string;
  recordingId: number;
  /** The recording's file (inside dataDir/recordings/). */
  path: string;
  seconds: number;
}

/**
 * A fresh data folder whose library holds one finalised 1280×720 30 fps recording of `seconds`
 * (ffmpeg's testsrc2 in VP8 + a sine in Opus, a keyframe every 2 s: shaped like the node's own
 * recordings), so the figure does not depend on what a live publisher happened to send.
 */
export async function makeVerticalSource(tmp: string, seconds = 35): Promise<VerticalSource> {
  const dataDir = join(tmp, 'data-shorts');
  mkdirSync(dataDir, { recursive: true });
  const db = openLibraryDatabase(join(dataDir, LIBRARY_FILE));
  try {
    const added = await addSyntheticRecording(db, dataDir, { seconds, title: 'Bench: 720p source for shorts' });
    return { dataDir, recordingId: added.recordingId, path: added.path, seconds };
  } finally {
    db.close();
  }
}

export interface VerticalRun {
  /** Click on "Vertical short" → the status says saved (encode + upload + the node's checks). */
  pageSeconds: number;
  /** Click → the status says it is uploading: the encode alone. Null if the page never said so. */
  pageEncodeOnlySeconds: number | null;
  pageKbps: number;
  /** CPU time (user + system, all cores) Chromium's processes used over the same span, s. */
  pageCpuSeconds: number | null;
  /** ffmpeg libvpx, same range, crop, scale and bitrate (wall time of the process). */
  ffmpegSeconds: number;
  ffmpegKbps: number;
  ffmpegCpuSeconds: number;
  /** The page's file, as ffprobe sees it. */
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  durationSeconds: number | null;
}

export interface VerticalBench {
  sourceSeconds: number;
  source: { width: number; height: number; fps: number; videoCodec: string; audioCodec: string | null; kbps: number; synthetic: true };
  rangeSeconds: number;
  /** Median click → saved, s. */
  pageEncodeSeconds: number;
  /** rangeSeconds / pageEncodeSeconds. */
  pageTimesRealtime: number;
  /** Median click → uploading (the encode without the upload), s, and its speed. */
  pageEncodeOnlySeconds: number | null;
  pageEncodeOnlyTimesRealtime: number | null;
  /** Median ffmpeg wall time, s, and its speed. */
  ffmpegSeconds: number;
  ffmpegTimesRealtime: number;
  /** pageTimesRealtime / ffmpegTimesRealtime (= ffmpegSeconds / pageEncodeSeconds): below 1, the page is slower. */
  ratioPageToFfmpeg: number;
  /**
   * Median CPU seconds (all cores) each side spent on the 30 s: less sensitive than wall time to
   * what else the (shared) machine runs. Chromium's is all its processes, idle ones included.
   */
  pageCpuSeconds: number | null;
  ffmpegCpuSeconds: number;
  /** The page's file (the last run's; every run is checked). */
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  durationSeconds: number | null;
  settings: {
    page: string;
    ffmpeg: string[];
    crop: { left: number; top: number; width: number; height: number };
  };
  /** 1-minute load average when the section started (the machine is shared). */
  loadAverage1m: number;
  runs: VerticalRun[];
  /** Why the produced shorts are not what they should be; empty when every run checks out. */
  problems: string[];
  pageErrors: string[];
}

/**
 * The 9:16 window the editor places by default: full height, centred, even sizes
 * (renderer/studio/clip-editor/crop-window.ts at x = y = 0.5).
 */
function centredCrop(width: number, height: number): { left: number; top: number; width: number; height: number } {
  const even = (v: number) => Math.floor(v / 2) * 2;
  const fitsHeight = width / height > 9 / 16;
  const w = fitsHeight ? (height * 9) / 16 : width;
  const h = fitsHeight ? height : (width * 16) / 9;
  const cropWidth = Math.max(2, Math.min(width, even(w)));
  const cropHeight = Math.max(2, Math.min(height, even(h)));
  return { left: Math.round(0.5 * (width - cropWidth)), top: Math.round(0.5 * (height - cropHeight)), width: cropWidth, height: cropHeight };
}

/** In the page before its scripts: every stream getUserMedia gives is kept, so the bench can stop it. */
const KEEP_MEDIA_STREAMS = `(() => {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) return;
  const original = devices.getUserMedia.bind(devices);
  window.__benchStreams = [];
  devices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    window.__benchStreams.push(stream);
    return stream;
  };
})();`;

/** Polls `check` in the page (evaluate, not waitForFunction: the node's CSP forbids eval). */
async function waitInPage<T>(page: Page, check: () => T, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(check);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const webms = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.webm'));
  } catch {
    return [];
  }
};

/**
 * `runs` vertical shorts of [0, rangeSeconds] of `source`, each made by clicking "Vertical short"
 * in the studio's clip editor and timed in the page from the click to "Saved …", alternating with
 * ffmpeg doing the same. Each produced file is checked with ffprobe (720×1280, sound, the range's
 * length ± 0.2 s). Bounded: every wait has a timeout; Chromium is closed before returning.
 */
export async function measureVerticalEncode(options: {
  baseUrl: string;
  token: string;
  source: VerticalSource;
  tmp: string;
  /** At most this many runs (default 3)… */
  runs?: number;
  /** …but at least 2, and no further run once this section has taken `budgetSeconds` (default 420). */
  budgetSeconds?: number;
  rangeSeconds?: number;
}): Promise<VerticalBench> {
  const started = performance.now();
  const runs = options.runs ?? 3;
  const budgetSeconds = options.budgetSeconds ?? 420;
  const rangeSeconds = options.rangeSeconds ?? 30;
  const loadAverage1m = round(loadavg()[0] ?? 0, 2);
  const probed = await ffprobe(options.source.path);
  const sourceVideo = probed.streams.find((s) => s.codec_type === 'video');
  const sourceAudio = probed.streams.find((s) => s.codec_type === 'audio');
  if (!sourceVideo?.width || !sourceVideo.height) throw new Error('vertical: the source has no video stream');
  const sourceSeconds = Number(probed.format.duration ?? options.source.seconds);
  if (sourceSeconds < rangeSeconds) throw new Error(`vertical: the source is ${sourceSeconds} s, shorter than the ${rangeSeconds} s range`);
  const crop = centredCrop(sourceVideo.width, sourceVideo.height);
  // After `-ss 0 -to <range> -i <source>`.
  const ffmpegSettings = [
    '-vf', `crop=${crop.width}:${crop.height}:${crop.left}:${crop.top},scale=${SHORT.width}:${SHORT.height}`,
    '-c:v', 'libvpx', '-b:v', `${SHORT.videoKbps}k`, '-g', String(30 * SHORT.keyframeSeconds),
    '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2',
    '-c:a', 'copy',
  ];
  const clipsDir = join(options.source.dataDir, 'clips');
  // Per run: the page fails when its progress stands still for a minute, or after 10 min in all
  // (×0.05 real time for 30 s: on a busy shared machine the encode crawls but moves); ffmpeg 2 min.
  const pageLimits = { stallMs: 60_000, totalMs: Math.max(600_000, rangeSeconds * 20_000) };
  const ffmpegTimeoutMs = Math.max(120_000, rangeSeconds * 4000);

  const browser = await launchBenchChromium(options.tmp);
  const browserPid = childPids(process.pid).find((pid) => /chrom/i.test(processName(pid)));
  if (browserPid === undefined) log('vertical: Chromium\'s process not found; its CPU time is not reported');
  const pageErrors: string[] = [];
  const results: VerticalRun[] = [];
  const problems: string[] = [];
  try {
    await browser.context.addInitScript({ content: KEEP_MEDIA_STREAMS });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${options.baseUrl}/studio/#token=${encodeURIComponent(options.token)}`, { timeout: 15_000 });

    // The studio opens the (fake) camera and microphone at once. A real camera costs the page next
    // to nothing; Chromium's fake one draws every frame in software. Stop them so the figure is the
    // encoder's, not the test camera's.
    await waitInPage(
      page,
      () => ((document.querySelector('[data-testid=preview]') as HTMLVideoElement | null)?.srcObject as MediaStream | null)?.getVideoTracks().length ?? 0,
      15_000,
      'the camera preview',
    ).catch(() => log('vertical: the studio preview never showed the camera; continuing'));
    await page.evaluate(() => {
      const preview = document.querySelector('[data-testid=preview]') as HTMLVideoElement | null;
      for (const track of (preview?.srcObject as MediaStream | null)?.getTracks() ?? []) track.stop();
      const w = window as unknown as { __benchStreams?: MediaStream[] };
      for (const stream of w.__benchStreams ?? []) for (const track of stream.getTracks()) track.stop();
    });

    // Library → "Cut a short" on the source → the editor in the Shorts tab.
    await page.locator('[data-testid=tab-library]').click({ timeout: 15_000 });
    await page.locator(`[data-testid=library-cut][data-recording-id="${options.source.recordingId}"]`).click({ timeout: 15_000 });
    await waitInPage(
      page,
      () => (window as unknown as { __curbcastEditor?: { ready(): boolean } }).__curbcastEditor?.ready() ?? false,
      30_000,
      'the clip editor to load the timeline',
    );
    const editorError = await page.locator('[data-testid=editor-error]').textContent({ timeout: 500 }).catch(() => null);
    if (editorError) throw new Error(`vertical: the editor says ${JSON.stringify(editorError)}`);
    // The editor opens on [0, min(duration, 30 s)]: check the range is exactly what we time.
    const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${(seconds % 60).toFixed(1).padStart(4, '0')}`;
    const expected = { in: clock(0), out: clock(rangeSeconds) };
    const shown = {
      in: (await page.locator('[data-testid=editor-in]').textContent({ timeout: 5000 }))?.trim(),
      out: (await page.locator('[data-testid=editor-out]').textContent({ timeout: 5000 }))?.trim(),
    };
    if (shown.in !== expected.in || shown.out !== expected.out) {
      throw new Error(`vertical: the editor's range is ${shown.in}–${shown.out}, expected ${expected.in}–${expected.out}`);
    }
    // Let the timeline's stills and waveform finish decoding (an export pauses them, but not the upload).
    await waitQuiet(page, 2000, 30_000);

    for (let i = 0; i < runs; i++) {
      const elapsed = (performance.now() - started) / 1000;
      if (i >= 2 && elapsed > budgetSeconds) {
        log(`vertical: ${i} runs took ${Math.round(elapsed)} s (budget ${budgetSeconds} s): no more`);
        break;
      }
      // ---- the page ----
      const before = new Set(webms(clipsDir));
      await page.evaluate(() => {
        type Probe = { click: number | null; events: Array<[number, string, boolean]>; observer?: MutationObserver };
        const w = window as unknown as { __benchVertical?: Probe };
        w.__benchVertical?.observer?.disconnect();
        const probe: Probe = { click: null, events: [] };
        w.__benchVertical = probe;
        const status = document.querySelector('[data-testid=export-status]')!;
        const button = document.querySelector('[data-testid=export-vertical]')!;
        button.addEventListener('click', () => (probe.click ??= performance.now()), { capture: true, once: true });
        probe.observer = new MutationObserver(() => probe.events.push([performance.now(), status.textContent ?? '', status.classList.contains('problem')]));
        probe.observer.observe(status, { childList: true, characterData: true, subtree: true });
      });
      log(`vertical: run ${i + 1}/${runs}: the page encodes ${rangeSeconds} s`);
      const pageCpu0 = browserPid === undefined ? 0 : treeCpuSeconds(browserPid);
      await page.locator('[data-testid=export-vertical]').click({ timeout: 10_000 });
      const outcome = await waitForExport(page, pageLimits).catch(async (error: unknown) => {
        // Leave nothing running in the page: Cancel, then report.
        await page.locator('[data-testid=export-cancel]').click({ timeout: 2000 }).catch(() => undefined);
        throw error;
      });
      const pageCpuSeconds = browserPid === undefined ? null : treeCpuSeconds(browserPid) - pageCpu0;
      if (!outcome.startsWith('Saved')) throw new Error(`vertical: the page did not save the short: ${JSON.stringify(outcome)}`);
      const probe = await page.evaluate(() => {
        const p = (window as unknown as { __benchVertical: { click: number | null; events: Array<[number, string, boolean]> } }).__benchVertical;
        return { click: p.click, events: p.events };
      });
      if (probe.click === null) throw new Error('vertical: the click on "Vertical short" was not seen in the page');
      const saved = probe.events.find(([, text]) => text.startsWith('Saved'));
      const uploading = probe.events.find(([, text]) => text.startsWith('Uploading'));
      if (!saved) throw new Error('vertical: "Saved" was not seen by the status observer');
      const pageSeconds = (saved[0] - probe.click) / 1000;
      const pageEncodeOnlySeconds = uploading ? (uploading[0] - probe.click) / 1000 : null;

      const made = await waitNewFile(clipsDir, before, 5000);
      const file = join(clipsDir, made);
      const check = await ffprobe(file);
      const video = check.streams.find((s) => s.codec_type === 'video');
      const hasAudio = check.streams.some((s) => s.codec_type === 'audio');
      const durationSeconds = check.format.duration === undefined ? null : Number(check.format.duration);
      const pageKbps = (statSync(file).size * 8) / 1000 / (durationSeconds ?? rangeSeconds);
      const runProblems: string[] = [];
      if (video?.width !== SHORT.width || video.height !== SHORT.height) runProblems.push(`is ${video?.width ?? '?'}×${video?.height ?? '?'}, not ${SHORT.width}×${SHORT.height}`);
      if (sourceAudio && !hasAudio) runProblems.push('has no sound');
      if (durationSeconds === null || Math.abs(durationSeconds - rangeSeconds) > DURATION_TOLERANCE_S) {
        runProblems.push(`lasts ${durationSeconds ?? '?'} s, not ${rangeSeconds} ± ${DURATION_TOLERANCE_S} s`);
      }
      problems.push(...runProblems.map((p) => `run ${i + 1}: the page's short ${p}`));

      // ---- ffmpeg, same machine, right after ----
      const reference = join(options.tmp, `ffmpeg-vertical-${i}.webm`);
      const cpu0 = reapedChildrenCpuSeconds();
      const t0 = performance.now();
      await run('ffmpeg', ['-v', 'error', '-y', '-ss', '0', '-to', String(rangeSeconds), '-i', options.source.path, ...ffmpegSettings, reference], {
        timeout: ffmpegTimeoutMs,
      });
      const ffmpegSeconds = (performance.now() - t0) / 1000;
      const ffmpegCpuSeconds = reapedChildrenCpuSeconds() - cpu0;
      const ffmpegKbps = (statSync(reference).size * 8) / 1000 / rangeSeconds;
      rmSync(reference, { force: true });

      results.push({
        pageSeconds: round(pageSeconds, 2),
        pageEncodeOnlySeconds: pageEncodeOnlySeconds === null ? null : round(pageEncodeOnlySeconds, 2),
        pageKbps: round(pageKbps, 0),
        pageCpuSeconds: pageCpuSeconds === null ? null : round(pageCpuSeconds, 1),
        ffmpegSeconds: round(ffmpegSeconds, 2),
        ffmpegKbps: round(ffmpegKbps, 0),
        ffmpegCpuSeconds: round(ffmpegCpuSeconds, 1),
        width: video?.width ?? null,
        height: video?.height ?? null,
        hasAudio,
        durationSeconds: durationSeconds === null ? null : round(durationSeconds, 3),
      });
      log(
        `vertical: run ${i + 1}: page ${round(pageSeconds, 1)} s (encode ${pageEncodeOnlySeconds === null ? '?' : round(pageEncodeOnlySeconds, 1)} s, CPU ${pageCpuSeconds === null ? '?' : round(pageCpuSeconds, 1)} s), ffmpeg ${round(ffmpegSeconds, 1)} s (CPU ${round(ffmpegCpuSeconds, 1)} s); short ${video?.width}×${video?.height} ${durationSeconds} s${hasAudio ? ' with sound' : ' NO SOUND'}`,
      );
    }
  } finally {
    await browser.close();
  }

  const page = median(results.map((r) => r.pageSeconds));
  const encodeOnly = results.every((r) => r.pageEncodeOnlySeconds !== null) ? median(results.map((r) => r.pageEncodeOnlySeconds!)) : null;
  const ffmpeg = median(results.map((r) => r.ffmpegSeconds));
  const last = results.at(-1)!;
  return {
    sourceSeconds: round(sourceSeconds, 2),
    source: {
      width: sourceVideo.width,
      height: sourceVideo.height,
      fps: 30,
      videoCodec: sourceVideo.codec_name,
      audioCodec: sourceAudio?.codec_name ?? null,
      kbps: round((Number(probed.format.size) * 8) / 1000 / sourceSeconds, 0),
      synthetic: true,
    },
    rangeSeconds,
    pageEncodeSeconds: round(page, 2),
    pageTimesRealtime: round(rangeSeconds / page, 2),
    pageEncodeOnlySeconds: encodeOnly === null ? null : round(encodeOnly, 2),
    pageEncodeOnlyTimesRealtime: encodeOnly === null ? null : round(rangeSeconds / encodeOnly, 2),
    ffmpegSeconds: round(ffmpeg, 2),
    ffmpegTimesRealtime: round(rangeSeconds / ffmpeg, 2),
    ratioPageToFfmpeg: round(ffmpeg / page, 2),
    pageCpuSeconds: results.every((r) => r.pageCpuSeconds !== null) ? round(median(results.map((r) => r.pageCpuSeconds!)), 1) : null,
    ffmpegCpuSeconds: round(median(results.map((r) => r.ffmpegCpuSeconds)), 1),
    width: last.width,
    height: last.height,
    hasAudio: last.hasAudio,
    durationSeconds: last.durationSeconds,
    settings: {
      page:
        `the studio's own export (clip-editor/vertical-export.ts): mediabunny Conversion, WebCodecs VP8 (Chromium's libvpx, default latencyMode), ` +
        `${SHORT.videoKbps} kbit/s, keyframe every ${SHORT.keyframeSeconds} s, crop+scale on an OffscreenCanvas (centred window, no title), Opus copied; ` +
        `timed click → "Saved" (includes the upload and the node's checks); headless Chromium, --disable-gpu, fake camera stopped`,
      ffmpeg: ['ffmpeg', '-ss', '0', '-to', String(rangeSeconds), '-i', '<source>', ...ffmpegSettings, '<out>.webm'],
      crop,
    },
    loadAverage1m,
    runs: results,
    problems,
    pageErrors: pageErrors.slice(0, 20),
  };
}

/**
 * Waits for the export's outcome (the status says saved, cancelled or a problem) and returns the
 * status text; throws when the status (with its percentage) stops changing for `stallMs`, or after `totalMs`.
 */
async function waitForExport(page: Page, limits: { stallMs: number; totalMs: number }): Promise<string> {
  const started = Date.now();
  let last = '';
  let changed = started;
  for (;;) {
    const status = await page.evaluate(() => {
      const element = document.querySelector('[data-testid=export-status]');
      const text = element?.textContent ?? '';
      const progress = (document.querySelector('[data-testid=export-progress]') as HTMLProgressElement | null)?.value ?? 0;
      const done = text.startsWith('Saved') || text.startsWith('Cancelled') || (element?.classList.contains('problem') ?? false);
      return { text, progress, done };
    });
    if (status.done) return status.text;
    const now = Date.now();
    const seen = `${status.text} ${status.progress}`;
    if (seen !== last) {
      last = seen;
      changed = now;
    }
    if (now - changed > limits.stallMs) throw new Error(`vertical: no progress for ${limits.stallMs / 1000} s (status ${JSON.stringify(status.text)})`);
    if (now - started > limits.totalMs) throw new Error(`vertical: not saved after ${limits.totalMs / 1000} s (status ${JSON.stringify(status.text)})`);
    await sleep(500);
  }
}

/** Waits until no request has started for `quietMs` (the editor's background decoding is done), at most `maxMs`. */
async function waitQuiet(page: Page, quietMs: number, maxMs: number): Promise<void> {
  let lastRequest = Date.now();
  const onRequest = () => (lastRequest = Date.now());
  page.on('request', onRequest);
  try {
    await withTimeout(
      (async () => {
        while (Date.now() - lastRequest < quietMs) await sleep(200);
      })(),
      maxMs,
      'the editor to finish loading',
    ).catch(() => log(`vertical: the editor was still fetching after ${maxMs / 1000} s; timing anyway`));
  } finally {
    page.off('request', onRequest);
  }
}

/** The one file that appeared in `dir` since `before`. */
async function waitNewFile(dir: string, before: Set<string>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const added = webms(dir).filter((f) => !before.has(f));
    if (added.length === 1) return added[0]!;
    if (added.length > 1) throw new Error(`vertical: ${added.length} new files in clips/ after one export`);
    if (Date.now() > deadline) throw new Error('vertical: the page said saved but no new file is in clips/');
    await sleep(100);
  }
}

// ---- CPU time from /proc (Linux) ---------------------------------------------------------------

/** Fields after `comm` in /proc/<pid>/stat: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (Number(statFields(Number(entry))?.[1]) === parent) children.push(Number(entry));
  }
  return children;
}

/**
 * User + system seconds of `root` and every process under it, with the children they have already
 * reaped (a helper process that exited still counts, once, in its parent's cutime/cstime).
 */
function treeCpuSeconds(root: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    parents.set(Number(entry), Number(fields[1]));
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid, hops = 0; at !== undefined && at > 1 && hops < 64; at = parents.get(at), hops++) {
      if (at === root) return true;
    }
    return false;
  };
  let total = 0;
  for (const [pid, t] of ticks) if (inTree(pid)) total += t;
  return total / ticksPerSecond();
}

/** User + system seconds of this process's children that have exited and been waited for (ffmpeg, once it is done). */
function reapedChildrenCpuSeconds(): number {
  const fields = statFields('self');
  return fields ? (Number(fields[13]) + Number(fields[14])) / ticksPerSecond() : 0;
}
