/**
 * The product's main job, for real: the studio page in Chromium (fake camera + mic) goes live over
 * WHIP to the real node; two viewer pages in another Chromium play over WHEP; the set ends and
 * both viewers fall back to offline. Screenshots land in test-results/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { keepPagePeers } from '../helpers/page-peers.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');

type Node = Awaited<ReturnType<typeof startTestNode>>;

async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __curbcast?: { framesDecoded(): number } }).__curbcast?.framesDecoded() ?? 0);
}

async function expectPlaying(page: Page): Promise<void> {
  await page.waitForSelector('body[data-state="playing"]', { timeout: 20_000 });
  const first = await waitFor('first decoded frames', () => framesDecoded(page).then((n) => (n > 0 ? n : 0)), 15_000);
  await page.waitForTimeout(1500);
  const later = await framesDecoded(page);
  expect(later, 'decoded frames keep rising').toBeGreaterThan(first + 10);
  const media = await page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="player"]')!;
    const stream = video.srcObject as MediaStream | null;
    return {
      width: video.videoWidth,
      height: video.videoHeight,
      audioTracks: stream?.getAudioTracks().filter((t) => t.readyState === 'live').length ?? 0,
      videoTracks: stream?.getVideoTracks().length ?? 0,
    };
  });
  expect(media.width).toBeGreaterThan(0);
  expect(media.height).toBeGreaterThan(0);
  expect(media.videoTracks).toBe(1);
  expect(media.audioTracks).toBe(1);
}

describe('go live from the studio, watch in two browsers', () => {
  let node: Node;
  let base: string;
  let busker: LaunchedChromium;
  let audience: LaunchedChromium;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    busker = await launchChromium();
    audience = await launchChromium();
  });

  afterAll(async () => {
    await busker?.close();
    await audience?.close();
    await node?.close();
  });

  it('publishes, plays on two viewers, counts them, and ends cleanly', async () => {
    const studio = await busker.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 800 });
    const studioErrors: string[] = [];
    studio.on('pageerror', (error) => studioErrors.push(error.message));
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
    // The token leaves the address bar once read.
    await waitFor('token removed from URL', async () => !(await studio.evaluate(() => location.hash)).includes('token'));

    await studio.fill('[data-testid="title"]', 'Fountain session');
    await studio.fill('[data-testid="hashtags"]', '#jazz #sax');
    await studio.fill('[data-testid="description"]', 'Tunes by the old fountain.');
    await studio.waitForFunction(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="preview"]');
      return !!video && video.videoWidth > 0;
    });
    expect(await studio.textContent('[data-testid="state"]')).toBe('offline');

    await studio.click('[data-testid="go-live"]');
    await studio.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'live', null, {
      timeout: 20_000,
    });
    await waitFor('node live', () => node.sfu.status().live);
    expect(node.sfu.status().set).toMatchObject({ title: 'Fountain session', hashtags: ['jazz', 'sax'] });

    // The share card names this node's viewer URL and shows a QR code.
    expect(await studio.textContent('[data-testid="viewer-url"]')).toContain(`:${node.port}/`);
    const qrLoaded = await studio.$eval('[data-testid="qr"]', (img) => (img as HTMLImageElement).naturalWidth > 0);
    expect(qrLoaded).toBe(true);

    const viewers = await Promise.all([0, 1].map(() => audience.browser.newPage()));
    for (const viewer of viewers) await viewer.setViewportSize({ width: 390, height: 844 });
    await keepPagePeers(viewers[0]!);
    for (const viewer of viewers) await viewer.goto(`${base}/`);
    for (const viewer of viewers) await expectPlaying(viewer);
    // Chromium offered the playout-delay extension and the node took it up, for video only (the
    // low-latency hint, server/sfu/playout-delay.ts).
    const answer = await viewers[0]!.evaluate(
      () => (window as unknown as { __peers: RTCPeerConnection[] }).__peers.findLast((p) => p.connectionState === 'connected')?.remoteDescription?.sdp ?? '',
    );
    const [videoSection = '', audioSection = ''] = ['m=video', 'm=audio'].map((m) => answer.split(/(?=^m=)/m).find((section) => section.startsWith(m)));
    expect(videoSection).toContain('rtp-hdrext/playout-delay');
    expect(audioSection).not.toContain('playout-delay');

    expect(await viewers[0]!.textContent('[data-testid="set-title"]')).toBe('Fountain session');
    expect(await viewers[0]!.textContent('[data-testid="set-hashtags"]')).toContain('#jazz');
    await studio.waitForFunction(() => document.querySelector('[data-testid="viewer-count"]')?.textContent?.trim() === '2', null, {
      timeout: 10_000,
    });
    await viewers[0]!.waitForFunction(() => document.querySelector('[data-testid="viewer-count"]')?.textContent?.includes('2'));

    await studio.screenshot({ path: join(SHOTS, 'studio-live.png') });
    await viewers[0]!.screenshot({ path: join(SHOTS, 'viewer-playing.png') });

    // End the set: both viewers fall back to the offline page by themselves.
    await studio.click('[data-testid="go-live"]');
    for (const viewer of viewers) {
      await viewer.waitForSelector('body[data-state="offline"]', { timeout: 10_000 });
      expect(await viewer.isVisible('[data-testid="offline"]')).toBe(true);
    }
    await waitFor('node offline', () => !node.sfu.status().live);
    // Chromium says goodbye properly, so the node drops both viewers at once.
    await waitFor('no viewer sessions left', () => node.sfu.stage === undefined);
    await viewers[0]!.screenshot({ path: join(SHOTS, 'viewer-offline.png') });
    await studio.screenshot({ path: join(SHOTS, 'studio-ended.png') });
    expect(studioErrors).toEqual([]);
    for (const page of [studio, ...viewers]) await page.close();
  });

  it('a viewer that opens the page before the set starts switches to the player by itself', async () => {
    const viewer = await audience.browser.newPage();
    await viewer.goto(`${base}/`);
    await viewer.waitForSelector('body[data-state="offline"]');

    const studio = await busker.browser.newPage();
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    await studio.click('[data-testid="go-live"]');
    await expectPlaying(viewer);

    // The viewer leaves without a word (tab closed): the node notices and the count drops.
    await waitFor('viewer counted', () => node.sfu.status().viewers === 1);
    await viewer.close();
    await waitFor('viewer gone', () => node.sfu.status().viewers === 0, 15_000);
    await studio.click('[data-testid="go-live"]');
    await waitFor('node offline', () => !node.sfu.status().live);
  });
});
