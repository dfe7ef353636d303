/**
 * The playout-delay hint, side by side (issue #9, latency): two real viewer pages watch the same
 * canvas-clock set at the same time, each in its own Chromium (a second tab would be a background
 * tab, its frames throttled); one offers the playout-delay header
 * extension as Chromium does (so the node sends its 0–400 ms hint), the other has that line taken
 * out of its offer (no hint: Chromium's own defaults). Glass-to-glass latency is read from each
 * presented frame as in latency.ts; both pages are sampled over the same windows, so the machine's
 * noise falls on both alike.
 *
 *   npm run build && node --import tsx test/bench/playout-ab.ts     (env: WINDOWS=4 WINDOW_S=15 NO_HINT_FIRST=1)
 *
 * Prints one JSON object and a summary line. A diagnostic beside `npm run bench`, like join-timeline.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBenchChromium, type BenchBrowser } from './browser.js';
import { PEER_CONNECTION_HOOK } from './browser-scripts.js';
import { CLOCK_READER, clockCheck, clockPublisherScript, TAKE_SAMPLES, type Taken } from './latency.js';
import { machineBusyMeter } from './load.js';
import { startNodeProcess } from './node-process.js';
import { distribution, log, round, sleep, withTimeout, type Distribution } from './stats.js';

const WINDOWS = Number(process.env.WINDOWS ?? 4);
/** NO_HINT_FIRST=1 opens the page without the hint first (a check that the order does not decide). */
const NO_HINT_FIRST = process.env.NO_HINT_FIRST === '1';
const WINDOW_S = Number(process.env.WINDOW_S ?? 15);
const TOKEN = 'bench-playout-ab-token-0123456789';

/** Takes the playout-delay extension out of every offer the page makes (the page then sends none). */
const STRIP_PLAYOUT_DELAY = `(() => {
  const createOffer = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = async function (...args) {
    const offer = await createOffer.apply(this, args);
    return { type: offer.type, sdp: offer.sdp.replace(/a=extmap:\\d+ http:\\/\\/www\\.webrtc\\.org\\/experiments\\/rtp-hdrext\\/playout-delay\\r\\n/g, '') };
  };
})();`;

interface Variant {
  name: 'hint' | 'no hint';
  browser: BenchBrowser;
  page: Page;
  /** This page's Chromium clock against the publisher's, subtracted from its latencies, ms. */
  correctionMs: number;
  samples: number[];
  perWindowP50: number[];
  frames: number;
  misreads: number;
  /** What the page put in its offer, checked once it plays. */
  offered: boolean;
}

async function openViewer(tmp: string, baseUrl: string, name: Variant['name']): Promise<Variant> {
  const browser = await launchBenchChromium(tmp);
  await browser.context.addInitScript({ content: PEER_CONNECTION_HOOK });
  if (name === 'no hint') await browser.context.addInitScript({ content: STRIP_PLAYOUT_DELAY });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${baseUrl}/`, { timeout: 15_000 });
  const installed = (await page.evaluate(CLOCK_READER)) as string;
  if (installed !== 'ok') throw new Error(`${name}: cannot read frames: ${installed}`);
  const deadline = Date.now() + 20_000;
  while (((await page.evaluate('window.__g2g.samples.length')) as number) === 0) {
    if (Date.now() > deadline) throw new Error(`${name}: no clock code decoded within 20 s`);
    await sleep(200);
  }
  const offered = (await page.evaluate(
    `(window.__benchPcs || []).some((pc) => pc.connectionState !== 'closed' && /playout-delay/.test(pc.localDescription?.sdp ?? ''))`,
  )) as boolean;
  return { name, browser, page, correctionMs: 0, samples: [], perWindowP50: [], frames: 0, misreads: 0, offered };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'curbcast-playout-ab-'));
  const node = await startNodeProcess({ dataDir: join(tmp, 'data'), token: TOKEN, extraArgs: ['--no-recording'] });
  let publisher: BenchBrowser | undefined;
  const variants: Variant[] = [];
  try {
    publisher = await launchBenchChromium(tmp);
    const pubPage = publisher.context.pages()[0] ?? (await publisher.context.newPage());
    await pubPage.setViewportSize({ width: 400, height: 300 });
    await pubPage.goto(`${node.baseUrl}/api/status`, { timeout: 15_000 });
    await withTimeout(pubPage.evaluate(clockPublisherScript(TOKEN)), 30_000, 'the clock publisher going live');
    log('playout-ab: clock publisher live; 10 s for its bitrate to ramp up');
    await sleep(10_000);

    const order: Array<Variant['name']> = NO_HINT_FIRST ? ['no hint', 'hint'] : ['hint', 'no hint'];
    for (const name of order) variants.push(await openViewer(tmp, node.baseUrl, name));
    const byName = (name: Variant['name']) => variants.find((v) => v.name === name)!;
    const clocks = [];
    for (const v of variants) {
      const check = await clockCheck(pubPage, v.page);
      v.correctionMs = check.correctionMs;
      clocks.push({ viewer: v.name, correctionMs: check.correctionMs, uncertaintyMs: check.uncertaintyMs });
    }
    const busy = machineBusyMeter();
    for (let w = 0; w < WINDOWS; w++) {
      for (const v of variants) await v.page.evaluate(TAKE_SAMPLES);
      await sleep(WINDOW_S * 1000);
      for (const v of variants) {
        const taken = (await v.page.evaluate(TAKE_SAMPLES)) as Taken;
        const latencies = taken.samples.map((s) => s[0] - v.correctionMs);
        v.samples.push(...latencies);
        v.perWindowP50.push(distribution(latencies).p50);
        v.frames += taken.frames;
        v.misreads += taken.misreads;
      }
      log(`playout-ab: window ${w + 1}/${WINDOWS}: ${variants.map((v) => `${v.name} p50 ${v.perWindowP50.at(-1)} ms`).join(', ')}`);
    }
    const results = Object.fromEntries(
      variants.map((v) => [
        v.name,
        { offeredExtension: v.offered, latencyMs: distribution(v.samples) as Distribution, perWindowP50: v.perWindowP50, frames: v.frames, misreads: v.misreads },
      ]),
    );
    const [hint, none] = [byName('hint'), byName('no hint')].map((v) => distribution(v.samples));
    const report = {
      opened: order,
      windows: WINDOWS,
      windowSeconds: WINDOW_S,
      clocks,
      machineBusyPercent: busy(),
      results,
      ratio: { p50: round(hint!.p50 / none!.p50, 3), p95: round(hint!.p95 / none!.p95, 3) },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `playout-ab: glass-to-glass with the hint p50 ${hint!.p50} ms p95 ${hint!.p95} ms; without p50 ${none!.p50} ms p95 ${none!.p95} ms; ratio p50 ${report.ratio.p50}, p95 ${report.ratio.p95} (${WINDOWS} × ${WINDOW_S} s, machine ${report.machineBusyPercent}% busy)`,
    );
    if (!byName('hint').offered || byName('no hint').offered) console.log('playout-ab: WARNING: the pages did not offer what they should (see offeredExtension)');
  } finally {
    for (const v of variants) await v.browser.close();
    await publisher?.close();
    await node.stop(10_000);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
