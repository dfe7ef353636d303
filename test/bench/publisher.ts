/**
 * The publisher: real Chromium on the real studio page, fed by a y4m file as its camera.
 */
import type { Page } from 'playwright-core';
import { launchBenchChromium } from './browser.js';
import { PEER_CONNECTION_HOOK, READ_PUBLISHER_STATS, setVideoContentHint } from './browser-scripts.js';
import { log, round, sleep, withTimeout } from './stats.js';

export interface OutboundStats {
  bytesSent: number;
  packetsSent: number;
  headerBytesSent: number;
  retransmittedBytesSent: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  framesEncoded?: number;
  keyFramesEncoded?: number;
  totalEncodeTime?: number;
  qualityLimitationReason?: string;
  qualityLimitationDurations?: Record<string, number>;
  encoderImplementation?: string;
  targetBitrate?: number;
  nackCount?: number;
  pliCount?: number;
  firCount?: number;
}

export interface PublisherStats {
  /** The page's performance.now(), ms. */
  at: number;
  video: OutboundStats | null;
  audio: OutboundStats | null;
  availableOutgoingBitrate: number | null;
  videoCodec?: string;
  pcs: number;
}

/** What the publisher sent between two samples, as the browser itself counts it (RTP payload + headers). */
export interface PublisherRates {
  videoKbps: number;
  audioKbps: number;
  videoPacketsPerSecond: number;
  audioPacketsPerSecond: number;
  encodedFps: number;
  keyframes: number;
  /** PLIs the node sent the publisher in the interval (keyframe requests). */
  plis: number;
  nacks: number;
  width: number | null;
  height: number | null;
  qualityLimitationReason: string | null;
  availableOutgoingKbps: number | null;
  encoder: string | null;
  codec: string | null;
}

export function publisherRates(a: PublisherStats, b: PublisherStats): PublisherRates {
  const seconds = (b.at - a.at) / 1000;
  const rate = (x: number | undefined, y: number | undefined) => (seconds > 0 ? ((y ?? 0) - (x ?? 0)) / seconds : Number.NaN);
  // RTP payload + header bytes, comparable with what the viewers count.
  const bytes = (s: OutboundStats | null) => (s ? s.bytesSent + s.headerBytesSent : undefined);
  return {
    videoKbps: round((rate(bytes(a.video), bytes(b.video)) * 8) / 1000, 0),
    audioKbps: round((rate(bytes(a.audio), bytes(b.audio)) * 8) / 1000, 0),
    videoPacketsPerSecond: round(rate(a.video?.packetsSent, b.video?.packetsSent), 0),
    audioPacketsPerSecond: round(rate(a.audio?.packetsSent, b.audio?.packetsSent), 0),
    encodedFps: round(rate(a.video?.framesEncoded, b.video?.framesEncoded), 1),
    keyframes: (b.video?.keyFramesEncoded ?? 0) - (a.video?.keyFramesEncoded ?? 0),
    plis: (b.video?.pliCount ?? 0) - (a.video?.pliCount ?? 0),
    nacks: (b.video?.nackCount ?? 0) - (a.video?.nackCount ?? 0),
    width: b.video?.frameWidth ?? null,
    height: b.video?.frameHeight ?? null,
    qualityLimitationReason: b.video?.qualityLimitationReason ?? null,
    availableOutgoingKbps: b.availableOutgoingBitrate ? round(b.availableOutgoingBitrate / 1000, 0) : null,
    encoder: b.video?.encoderImplementation ?? null,
    codec: b.videoCodec ?? null,
  };
}

export interface BrowserPublisher {
  stats(): Promise<PublisherStats>;
  /** Page errors and console errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Polls a JavaScript expression in the page until it is truthy. (Playwright's waitForFunction with
 * a string predicate uses eval inside the page, which the node's CSP forbids; evaluate does not.)
 */
async function waitInPage(page: Page, expression: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function studioAvailable(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/studio/`, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    return res.status === 200 && body.includes('<');
  } catch {
    return false;
  }
}

export async function startPublisher(options: {
  /** Where Chromium's profile goes (removed with it). */
  tmpRoot: string;
  baseUrl: string;
  token: string;
  y4mPath: string;
  /** Overrides the studio's video contentHint after going live (e.g. 'detail'); undefined = as the studio sets it. */
  contentHint?: string | undefined;
}): Promise<BrowserPublisher> {
  if (!(await studioAvailable(options.baseUrl))) {
    throw new Error('the node serves no studio page at /studio/: run `npm run build:pages` (dist/renderer/studio/index.html)');
  }
  const chromium = await launchBenchChromium(options.tmpRoot, [`--use-file-for-fake-video-capture=${options.y4mPath}`]);
  const errors: string[] = [];
  try {
    const context = chromium.context;
    await context.addInitScript({ content: PEER_CONNECTION_HOOK });
    const url = `${options.baseUrl}/studio/#token=${encodeURIComponent(options.token)}`;
    const page: Page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    await page.goto(url, { timeout: 15_000 });
    // Like a busker, wait for the camera preview before pressing the button (the studio refuses to
    // go live without a camera track).
    await waitInPage(
      page,
      "[...(document.querySelector('[data-testid=preview]')?.srcObject?.getVideoTracks?.() ?? [])].some((t) => t.readyState === 'live')",
      15_000,
      'the camera preview',
    ).catch((error: unknown) => log(`the studio preview never showed the camera (${String(error).split('\n')[0]}); pressing Go live anyway`));
    await page.locator('[data-testid=go-live]').click({ timeout: 15_000 });
    const state = page.locator('[data-testid=state]');
    try {
      await waitInPage(page, "document.querySelector('[data-testid=state]')?.textContent?.trim().toLowerCase() === 'live'", 20_000, 'state live');
    } catch (error) {
      const text = await state.textContent({ timeout: 1000 }).catch(() => '?');
      const detail = await page.locator('[data-testid=state-detail]').textContent({ timeout: 1000 }).catch(() => '');
      throw new Error(
        `the publisher did not reach "live" (state: ${JSON.stringify(text)}${detail ? `, detail: ${JSON.stringify(detail)}` : ''}; ${errors.join('; ') || 'no page errors'}; ${String(error).split('\n')[0]})`,
        {
          cause: error,
        },
      );
    }
    if (options.contentHint !== undefined) {
      const tracks = await page.evaluate(setVideoContentHint(options.contentHint));
      log(`set contentHint "${options.contentHint}" on ${String(tracks)} publisher video track(s)`);
    }
    return {
      errors,
      stats: () => withTimeout(page.evaluate(READ_PUBLISHER_STATS) as Promise<PublisherStats>, 10_000, 'publisher getStats'),
      close: () => chromium.close(),
    };
  } catch (error) {
    await chromium.close();
    throw error;
  }
}

/**
 * Waits (bounded) until the publisher has settled: at least `minSeconds` (Chromium starts low and
 * steps its resolution up over the first seconds), then two consecutive 2 s windows with the same
 * resolution and video bitrates within 10%, or `maxSeconds` passed.
 */
export async function waitForPublisherRamp(
  publisher: BrowserPublisher,
  { minSeconds = 12, maxSeconds = 25 } = {},
): Promise<{ seconds: number; lastKbps: number; width: number | null; height: number | null; settled: boolean }> {
  const started = performance.now();
  let previous = await publisher.stats();
  let last: PublisherRates | undefined;
  for (;;) {
    await sleep(2000);
    const current = await publisher.stats();
    const rates = publisherRates(previous, current);
    previous = current;
    const seconds = (performance.now() - started) / 1000;
    const settled =
      last !== undefined &&
      seconds >= minSeconds &&
      rates.width === last.width &&
      rates.height === last.height &&
      last.videoKbps > 0 &&
      Math.abs(rates.videoKbps - last.videoKbps) / last.videoKbps < 0.1;
    if (settled || seconds >= maxSeconds) {
      return { seconds: round(seconds, 1), lastKbps: rates.videoKbps, width: rates.width, height: rates.height, settled };
    }
    last = rates;
  }
}
