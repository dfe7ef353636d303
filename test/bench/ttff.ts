/**
 * Viewer time to first frame with real Chromium viewer pages: sequential joins, each in a fresh
 * page of one browser, TTFF = first decoded frame − start of the page's POST /whep.
 */
import { launchBenchChromium } from './browser.js';
import type { ViewerFarm } from './farm-client.js';
import { machineBusyMeter, renice } from './load.js';
import { measureFirstFrame, PEER_CONNECTION_HOOK } from './browser-scripts.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';

interface FirstFrame {
  error?: string;
  firstFrameAt?: number;
  source?: 'firstFrameAt' | 'framesDecoded';
  whepPosts?: number;
  postStart?: number;
  answerMs?: number;
  connectedMs?: number;
  ttffMs?: number;
}

export interface TtffResult {
  ttffMs: Distribution;
  /** POST /whep → answer received, ms. */
  whepAnswerMs: Distribution;
  /** POST /whep → the page's peer connection 'connected' (answer + ICE + DTLS), ms. */
  connectedMs: Distribution;
  /** Navigation start → POST /whep start (page load and offer), ms. */
  pageToPostMs: Distribution;
  /** Navigation start → first decoded frame: the whole wait of someone who just opened the page, ms. */
  pageToFirstFrameMs: Distribution;
  samplesMs: number[];
  warmupMs: number[];
  /** How the first frame was detected: the page's own timestamp or polling framesDecoded. */
  detection: string[];
  failures: string[];
  /** The whole machine during the joins, % of all cores: how contended they were. */
  machineBusyPercent: number;
}

async function viewerPageAvailable(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function measureTtff(options: {
  /** Where Chromium's profile goes (removed with it). */
  tmpRoot: string;
  baseUrl: string;
  joins: number;
  warmups: number;
  timeoutMs?: number;
  pollMs?: number;
  maxExtraJoins?: number;
}): Promise<TtffResult> {
  const { baseUrl, joins, warmups, timeoutMs = 15_000, pollMs = 5, maxExtraJoins = 4 } = options;
  if (!(await viewerPageAvailable(baseUrl))) {
    throw new Error('the node serves no viewer page at /: run `npm run build:pages` (dist/renderer/viewer/index.html)');
  }
  const chromium = await launchBenchChromium(options.tmpRoot);
  await chromium.context.addInitScript({ content: PEER_CONNECTION_HOOK });
  const busy = machineBusyMeter();
  const samples: number[] = [];
  const warmupMs: number[] = [];
  const answers: number[] = [];
  const connected: number[] = [];
  const pageToPost: number[] = [];
  const pageToFrame: number[] = [];
  const detection = new Set<string>();
  const failures: string[] = [];
  try {
    const url = `${baseUrl}/`;
    // Let the browser's first page settle so the first join does not pay for browser start-up.
    for (const page of chromium.context.pages()) await page.close().catch(() => undefined);
    // Failed joins are recorded and replaced, up to `maxExtraJoins` times, so that a transient
    // failure (e.g. dist/ rebuilt mid-run) still leaves `joins` samples when it can.
    let attempts = 0;
    for (let i = 0; i < warmups + joins && attempts < warmups + joins + maxExtraJoins; attempts++) {
      const page = await chromium.context.newPage();
      try {
        await page.goto(url, { timeout: 10_000, waitUntil: 'commit' });
        const result = (await withTimeout(page.evaluate(measureFirstFrame(timeoutMs, pollMs)), timeoutMs + 5000, 'first frame')) as FirstFrame;
        if (result.error || result.ttffMs === undefined) throw new Error(result.error ?? 'no measurement');
        if (i++ < warmups) {
          warmupMs.push(round(result.ttffMs, 0));
        } else {
          samples.push(result.ttffMs);
          answers.push(result.answerMs ?? Number.NaN);
          if (result.connectedMs !== undefined) connected.push(result.connectedMs);
          pageToPost.push(result.postStart ?? Number.NaN);
          // The page's clock starts at its navigation (performance.timeOrigin).
          pageToFrame.push(result.firstFrameAt ?? Number.NaN);
          detection.add(result.source ?? '?');
        }
      } catch (error) {
        failures.push(`attempt ${attempts + 1}: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        await withTimeout(page.close(), 5000, 'closing a viewer page').catch(() => undefined);
      }
      // Let the node notice the departed viewer before the next one joins.
      await sleep(300);
    }
  } finally {
    await chromium.close();
  }
  return {
    ttffMs: distribution(samples),
    whepAnswerMs: distribution(answers),
    connectedMs: distribution(connected),
    pageToPostMs: distribution(pageToPost),
    pageToFirstFrameMs: distribution(pageToFrame),
    samplesMs: samples.map((v) => round(v, 0)),
    warmupMs,
    detection: [...detection],
    failures,
    machineBusyPercent: busy(),
  };
}

export interface TtffWithViewers extends TtffResult {
  /** Farm viewers asked for, and those still connected when the joins were done. */
  requestedViewers: number;
  /** The farm's nice value during the joins (null: unchanged). */
  farmNice: number | null;
  existingViewers: number;
  farmJoinFailures: string[];
}

/**
 * The same joins while `existing` werift viewers (the viewer farm, no decoding) are already
 * watching: what a passer-by waits for once a crowd has gathered. The farm's viewers are stopped
 * (DELETE) at the end.
 */
export async function measureTtffWithViewers(options: {
  tmpRoot: string;
  baseUrl: string;
  farm: ViewerFarm;
  existing: number;
  joins: number;
  warmups: number;
  joinTimeoutMs: number;
  settleSeconds: number;
  /** The farm's nice value meanwhile (it is the crowd, not the subject); null leaves it. */
  farmNice?: number | null;
}): Promise<TtffWithViewers> {
  const { farm, baseUrl } = options;
  const farmJoinFailures: string[] = [];
  const farmNice = options.farmNice ?? null;
  let restoreNice: (() => void) | undefined;
  try {
    const have = (await farm.snapshot()).viewers.length;
    if (options.existing > have) {
      log(`time to first frame: ${options.existing - have} farm viewers joining first`);
      const added = await farm.add(baseUrl, options.existing - have, options.joinTimeoutMs);
      farmJoinFailures.push(...added.failed.map((f) => f.error));
    }
    // Joined at normal priority (a starved handshake fails); watching in the background.
    if (farmNice !== null) restoreNice = renice(farm.pid, farmNice);
    await sleep(options.settleSeconds * 1000);
    const watching = (await farm.snapshot()).viewers.length;
    log(`time to first frame: ${options.warmups} warm-up + ${options.joins} joins with ${watching} viewers watching`);
    const ttff = await measureTtff({ tmpRoot: options.tmpRoot, baseUrl, joins: options.joins, warmups: options.warmups });
    const existingViewers = (await farm.snapshot()).viewers.filter((v) => v.state === 'connected').length;
    return { ...ttff, requestedViewers: options.existing, existingViewers, farmNice, farmJoinFailures };
  } finally {
    await withTimeout(farm.stopViewers(), 15_000, 'stopping farm viewers').catch(() => undefined);
    restoreNice?.();
  }
}
