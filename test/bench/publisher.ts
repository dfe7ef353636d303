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
  /** Simulcast: the layer's RTP stream id (undefined without simulcast). */
  rid?: string;
  active?: boolean;
}

export interface PublisherStats {
  /** The page's performance.now(), ms. */
  at: number;
  /** The top video stream: the only one without simulcast, the largest layer with it. */
  video: OutboundStats | null;
  /** Every outbound video stream (one per simulcast layer). */
  videoStreams: OutboundStats[];
  audio: OutboundStats | null;
  availableOutgoingBitrate: number | null;
  videoCodec?: string;
  pcs: number;
}

/** One outbound video stream (a simulcast layer) between two samples. */
export interface LayerRates {
  rid: string | null;
  width: number | null;
  height: number | null;
  encodedFps: number;
  kbps: number;
  /** The encoder's time on this layer (totalEncodeTime), ms per second of wall time. */
  encodeMsPerSecond: number;
  qualityLimitationReason: string | null;
}

/** What the publisher sent between two samples, as the browser itself counts it (RTP payload + headers). */
export interface PublisherRates {
  /** The top video stream (with simulcast, the largest layer: what a viewer on a good link gets). */
  videoKbps: number;
  /** All video streams together (with simulcast, every layer). */
  videoTotalKbps: number;
  /** Every video stream, smallest first (one without simulcast). */
  layers: LayerRates[];
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
  const bytes = (s: OutboundStats | null | undefined) => (s ? s.bytesSent + s.headerBytesSent : undefined);
  const before = (s: OutboundStats) => (a.videoStreams ?? []).find((x) => x.rid === s.rid);
  const layers: LayerRates[] = (b.videoStreams ?? [])
    .map((s) => ({
      rid: s.rid ?? null,
      width: s.frameWidth ?? null,
      height: s.frameHeight ?? null,
      encodedFps: round(rate(before(s)?.framesEncoded, s.framesEncoded), 1),
      kbps: round((rate(bytes(before(s)), bytes(s)) * 8) / 1000, 0),
      encodeMsPerSecond: round(rate(before(s)?.totalEncodeTime, s.totalEncodeTime) * 1000, 0),
      qualityLimitationReason: s.qualityLimitationReason ?? null,
    }))
    .sort((x, y) => (x.width ?? 0) * (x.height ?? 0) - (y.width ?? 0) * (y.height ?? 0) || String(x.rid).localeCompare(String(y.rid)));
  return {
    videoKbps: round((rate(bytes(a.video), bytes(b.video)) * 8) / 1000, 0),
    videoTotalKbps: layers.reduce((sum, layer) => sum + (Number.isFinite(layer.kbps) ? layer.kbps : 0), 0),
    layers,
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
  /** The browser process, root of the tree whose CPU is the publisher's (undefined if not found). */
  pid(): number | undefined;
  /**
   * Presses Go live and waits for "live". `simulcast` sets the studio's checkbox first (the studio
   * remembers it in localStorage `curbcast.simulcast`); undefined leaves it as it is.
   */
  goLive(options?: { simulcast?: boolean | undefined }): Promise<void>;
  /** Presses End set and waits for the studio to say so. */
  endSet(): Promise<void>;
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
  /** Simulcast on or off for the first Go live; undefined = the studio's default (on). */
  simulcast?: boolean | undefined;
  /** Press Go live at once (default); false: only open the studio (call goLive() later). */
  goLive?: boolean;
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
    const goLive = async (live: { simulcast?: boolean | undefined } = {}) => {
      if (live.simulcast !== undefined) await setSimulcast(page, live.simulcast);
      await page.locator('[data-testid=go-live]').click({ timeout: 15_000 });
      try {
        await waitInPage(page, "document.querySelector('[data-testid=state]')?.textContent?.trim().toLowerCase() === 'live'", 20_000, 'state live');
      } catch (error) {
        const text = await page.locator('[data-testid=state]').textContent({ timeout: 1000 }).catch(() => '?');
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
    };
    const endSet = async () => {
      const onAir = "['live', 'reconnecting', 'connecting'].includes(document.querySelector('[data-testid=state]')?.textContent?.trim().toLowerCase())";
      if (!(await page.evaluate(onAir))) return;
      await page.locator('[data-testid=go-live]').click({ timeout: 15_000 });
      await waitInPage(page, `!(${onAir}) && !document.querySelector('[data-testid=go-live]')?.disabled`, 15_000, 'the set to end');
    };
    if (options.goLive !== false) await goLive({ simulcast: options.simulcast });
    return {
      errors,
      stats: () => withTimeout(page.evaluate(READ_PUBLISHER_STATS) as Promise<PublisherStats>, 10_000, 'publisher getStats'),
      pid: () => chromium.pid(),
      goLive,
      endSet,
      close: () => chromium.close(),
    };
  } catch (error) {
    await chromium.close();
    throw error;
  }
}

/**
 * Sets the studio's "Adaptive quality for viewers" checkbox as a busker would (its change handler
 * remembers the choice in localStorage), then checks the remembered value.
 */
async function setSimulcast(page: Page, on: boolean): Promise<void> {
  const box = page.locator('[data-testid=simulcast]');
  try {
    await box.setChecked(on, { timeout: 5000 });
  } catch {
    // Not clickable (another tab, a changed layout): set it the way its change handler would see it.
    await page.evaluate(`(() => {
      const box = document.querySelector('[data-testid=simulcast]');
      if (!box) throw new Error('the studio has no simulcast checkbox');
      box.checked = ${on};
      box.dispatchEvent(new Event('change', { bubbles: true }));
    })()`);
  }
  const stored = await page.evaluate("localStorage.getItem('curbcast.simulcast')");
  const checked = await page.evaluate("document.querySelector('[data-testid=simulcast]')?.checked");
  if (checked !== on || stored !== (on ? 'on' : 'off')) {
    throw new Error(`could not set simulcast ${on ? 'on' : 'off'} in the studio (checkbox ${String(checked)}, localStorage ${String(stored)})`);
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
