/**
 * Adaptive quality for real: the studio page (Chromium, fake camera at 720p) sends simulcast by
 * default; two viewer pages play. One viewer's link is then shaped to 300 kbit/s on loopback (tc,
 * test/helpers/traffic-shaper.ts): it must settle on a lower layer and keep playing while the
 * other stays at 720p. A manual choice (Low, then High) must show within a second, and the
 * recording must hold the best layer. Chromium's fake camera sends ~700/350/145 kbit/s for
 * 720p/360p/180p at 20 fps.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { connectedPeerPort, keepPagePeers } from '../helpers/page-peers.js';
import { shapeUdp, whyTrafficCannotBeShaped } from '../helpers/traffic-shaper.js';
import { waitFor } from '../helpers/wait.js';
import { listSets } from '../../server/library/sets.js';
import { recordingsOfSet } from '../../server/library/recordings.js';

const run = promisify(execFile);
type Node = Awaited<ReturnType<typeof startTestNode>>;

interface Sample {
  height: number;
  frames: number;
}

function sample(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="player"]')!;
    return { height: video.videoHeight, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  });
}

async function chooseQuality(page: Page, quality: string): Promise<void> {
  await page.selectOption('[data-testid="quality"]', quality);
}

describe('simulcast: each viewer gets the layer its link carries', () => {
  let node: Node;
  let base: string;
  let busker: LaunchedChromium;
  let audience: LaunchedChromium;
  let studio: Page;
  const viewers: Page[] = [];
  /** A first shape on an unused port: installing tc's root on lo briefly disturbs all of lo's traffic. */
  let warmShaper: (() => Promise<void>) | undefined;
  const whyNoShaping = whyTrafficCannotBeShaped();

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    if (!whyNoShaping) warmShaper = await shapeUdp({ dport: 9 }, { rateKbit: 100 });
    busker = await launchChromium();
    audience = await launchChromium();
    studio = await busker.browser.newPage();
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    expect(await studio.isChecked('[data-testid="simulcast"]'), 'simulcast is on by default').toBe(true);
    await studio.click('[data-testid="go-live"]');
    await studio.waitForSelector('[data-testid="state"]:text-is("live")', { timeout: 20_000 });
    for (let i = 0; i < 2; i++) {
      const page = await audience.browser.newPage();
      await keepPagePeers(page);
      await page.goto(`${base}/`);
      viewers.push(page);
    }
  });

  afterAll(async () => {
    await warmShaper?.();
    await busker?.close();
    await audience?.close();
    await node?.close();
  });

  it('the studio sends three layers, and every viewer starts on the best', async () => {
    const sizes = await waitFor(
      'three layers flowing, sizes known',
      () => {
        const layers = node.sfu.stage?.videoLayers?.active ?? [];
        return layers.length === 3 && layers.every((layer) => layer.height) ? layers.map((l) => `${l.width}x${l.height}`) : undefined;
      },
      15_000,
    );
    expect(sizes).toEqual(['320x180', '640x360', '1280x720']);
    for (const page of viewers) {
      await page.waitForSelector('body[data-state="playing"]', { timeout: 20_000 });
      await waitFor('720p on the viewer', async () => (await sample(page)).height === 720, 10_000);
      expect(await page.isVisible('[data-testid="quality"]')).toBe(true);
    }
    // The diagnostics say the same: three layers, both viewers on the best.
    const gauges = (await (await fetch(`${base}/api/admin/gauges`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).json()) as {
      sfu: { layers: Array<{ id: string; height: number | null; active: boolean; viewers: number; kbps: number }> };
    };
    expect(gauges.sfu.layers.map((l) => [l.id, l.height, l.active])).toEqual([
      ['q', 180, true],
      ['h', 360, true],
      ['f', 720, true],
    ]);
    expect(gauges.sfu.layers[2]!.viewers).toBe(2);
    expect(gauges.sfu.layers[0]!.kbps).toBeLessThan(gauges.sfu.layers[2]!.kbps);
  });

  it.skipIf(whyNoShaping)(`a viewer on a 300 kbit/s link settles lower and keeps playing; the other stays at 720p ${whyNoShaping ? `(skipped: ${whyNoShaping})` : ''}`, async () => {
    const [slow, fast] = viewers as [Page, Page];
    const undo = await shapeUdp({ dport: await connectedPeerPort(slow) }, { rateKbit: 300, queueMs: 200 });
    try {
      const trace: Array<{ at: number; slow: Sample; fast: Sample; nodeLayers: string[] }> = [];
      const start = Date.now();
      while (Date.now() - start < 24_000) {
        const nodeLayers = [...node.sfu.stage!.viewerLayers().values()].filter((layer): layer is string => layer !== undefined);
        trace.push({ at: Date.now() - start, slow: await sample(slow), fast: await sample(fast), nodeLayers });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const settled = trace.filter((s) => s.at >= 10_000);
      const first = settled[0]!;
      const last = settled[settled.length - 1]!;
      const seconds = (last.at - first.at) / 1000;
      const slowLow = settled.filter((s) => s.slow.height > 0 && s.slow.height <= 360).length / settled.length;
      const fastHigh = trace.filter((s) => s.fast.height === 720).length / trace.length;
      const slowFps = (last.slow.frames - first.slow.frames) / seconds;
      const fastFps = (last.fast.frames - first.fast.frames) / seconds;
      console.log(JSON.stringify({ slowLow, fastHigh, slowFps, fastFps, heights: trace.map((s) => `${s.slow.height}/${s.fast.height}`).join(' ') }));
      expect(slowLow, 'the slow viewer spends the settled period on a lower layer').toBeGreaterThanOrEqual(0.75);
      expect(slowFps, 'and keeps playing (the fake camera sends 20 fps)').toBeGreaterThan(10);
      expect(fastHigh, 'the fast viewer stays on 720p').toBeGreaterThanOrEqual(0.9);
      expect(fastFps).toBeGreaterThan(15);
      // The node says the same over the settled period (not at one instant: the slow viewer's
      // policy tries the next layer up now and then, and a try may be under way at the end).
      const share = (has: (layers: string[]) => boolean) => settled.filter((s) => has(s.nodeLayers)).length / settled.length;
      expect(share((layers) => layers.includes('f')), 'the node sends 720p to the fast viewer').toBeGreaterThanOrEqual(0.9);
      expect(share((layers) => layers.some((layer) => layer === 'q' || layer === 'h')), 'and a lower layer to the slow one').toBeGreaterThanOrEqual(0.6);
    } finally {
      await undo();
    }
  });

  it('a manual choice (Low, Medium, High) typically shows within a second, and Auto goes back to the best', async () => {
    const page = viewers[1]!;
    await waitFor('720p before choosing', async () => (await sample(page)).height === 720, 15_000);
    const layerOf = { low: 'q', medium: 'h', high: 'f' } as const;
    const tookMs: number[] = [];
    for (const [quality, height] of [
      ['low', 180],
      ['medium', 360],
      ['high', 720],
    ] as const) {
      // Chromium's encoder ignores a keyframe request within 300 ms of its last keyframe (the node
      // asks again after 400 ms): a person does not choose three times in a second, so neither do we.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const asked = Date.now();
      await chooseQuality(page, quality);
      const layer = layerOf[quality];
      const onLayer = () => [...node.sfu.stage!.viewerLayers().values()].filter((l) => l === layer).length;
      const before = onLayer();
      let nodeSwitchedMs: number | undefined;
      await waitFor(
        `${height}p after choosing ${quality}`,
        async () => {
          if (nodeSwitchedMs === undefined && onLayer() > before) nodeSwitchedMs = Date.now() - asked;
          return (await sample(page)).height === height;
        },
        5000,
        20,
      );
      const took = Date.now() - asked;
      console.log(`${quality}: the node switched after ${nodeSwitchedMs ?? '?'} ms, ${height}p shown after ${took} ms`);
      tookMs.push(took);
      expect(took, `${quality} shows within 2 s`).toBeLessThan(2000);
      await waitFor(`the menu says ${height}p`, async () => (await page.textContent('[data-testid="quality-size"]')) === `${height}p`, 2000);
    }
    // Each waits for a keyframe from the busker's encoder, which a loaded 2-core machine sometimes
    // makes late: one slow choice is tolerated, the typical one is not.
    const median = [...tookMs].sort((a, b) => a - b)[1]!;
    expect(median, 'a choice typically shows within 1 s').toBeLessThan(1000);
    await chooseQuality(page, 'auto');
  });

  it('the recording keeps the best layer', async () => {
    await studio.click('[data-testid="go-live"]');
    await waitFor('the set ended', () => !node.sfu.status().live, 20_000);
    const recording = await waitFor(
      'the recording finalised',
      () => {
        const set = listSets(node.db)[0];
        const row = set && recordingsOfSet(node.db, set.id)[0];
        return row?.status === 'finalised' ? row : undefined;
      },
      30_000,
    );
    const { stdout } = await run('ffprobe', [
      '-v', 'error', '-select_streams', 'v:0',
      '-show_entries', 'frame=width,height', '-of', 'csv=p=0', join(node.dataDir, recording!.file),
    ]);
    const frames = stdout.trim().split('\n').filter(Boolean);
    const best = frames.filter((frame) => frame === '1280,720').length;
    console.log(`recording: ${best} of ${frames.length} frames at 1280x720`);
    // The browser brings the 720p layer in a second or two after going live (its bandwidth
    // estimate ramps up); from then on the recorder holds it.
    expect(frames.length).toBeGreaterThan(100);
    expect(best / frames.length).toBeGreaterThan(0.8);
    expect(frames.slice(-50).every((frame) => frame === '1280,720')).toBe(true);
  });
});
