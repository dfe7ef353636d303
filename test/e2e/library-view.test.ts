/**
 * The studio's Library, as a busker uses it: go live ~10 s, end the set, open the Library — the
 * set is listed with a plausible duration, its recording plays and seeks, and delete asks first.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import type { Page } from 'playwright-core';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
type Node = Awaited<ReturnType<typeof startTestNode>>;

const text = (page: Page, selector: string) => page.textContent(selector).then((t) => t?.trim() ?? '');

describe('studio library', () => {
  let node: Node;
  let chromium: LaunchedChromium;
  let studio: Page;

  beforeAll(async () => {
    node = await startTestNode();
    chromium = await launchChromium();
    studio = await chromium.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await chromium?.close();
    await node?.close();
  });

  it('lists the set that just ended, plays and seeks its recording, deletes after asking', async () => {
    await studio.goto(`http://127.0.0.1:${node.port}/studio/#token=${TEST_TOKEN}`);
    await studio.fill('[data-testid="title"]', 'Ten seconds');
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    await studio.click('[data-testid="go-live"]');
    await studio.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'live', null, { timeout: 20_000 });
    await studio.waitForFunction(() => document.querySelector('[data-testid="recording-state"]')?.textContent === 'recording', null, {
      timeout: 10_000,
    });
    await studio.waitForTimeout(10_000);
    await studio.click('[data-testid="go-live"]');
    await waitFor('recording finalised', () => node.archive.state.state === 'off' && !node.sfu.status().live, 15_000);

    await studio.click('[data-testid="tab-library"]');
    const row = studio.locator('[data-testid="library-set"]');
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.count()).toBe(1);
    expect(await text(studio, '[data-testid="library-set-title"]')).toBe('Ten seconds');
    const duration = await text(studio, '[data-testid="library-set-duration"]');
    const [minutes, seconds] = duration.split(':').map(Number);
    const total = (minutes ?? 0) * 60 + (seconds ?? 0);
    expect(total, `duration shown: ${duration}`).toBeGreaterThanOrEqual(8);
    expect(total, `duration shown: ${duration}`).toBeLessThanOrEqual(13);
    expect(await text(studio, '[data-testid="library-set-size"]')).toMatch(/\d/);
    expect(await text(studio, '[data-testid="library-total"]')).toMatch(/1 set/);

    await studio.click('[data-testid="library-play"]');
    const player = studio.locator('[data-testid="library-player"]');
    await player.waitFor();
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="library-player"]')?.readyState ?? 0) >= 1);
    const seeked = await studio.evaluate(async () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="library-player"]')!;
      video.muted = true;
      const done = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
      video.currentTime = 6;
      await done;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { currentTime: video.currentTime, duration: video.duration, readyState: video.readyState, width: video.videoWidth };
    });
    expect(seeked.currentTime).toBeGreaterThan(5);
    expect(seeked.duration).toBeGreaterThan(8);
    expect(seeked.readyState).toBeGreaterThanOrEqual(2);
    expect(seeked.width).toBeGreaterThan(0);
    await studio.screenshot({ path: join(SHOTS, 'studio-library.png') });

    // Delete asks first; Cancel keeps the set.
    await studio.click('[data-testid="library-delete"]');
    await studio.click('[data-testid="cancel-delete"]');
    expect(await row.count()).toBe(1);
    await studio.click('[data-testid="library-delete"]');
    await studio.screenshot({ path: join(SHOTS, 'studio-library-delete.png') });
    await studio.click('[data-testid="confirm-delete"]');
    await studio.locator('[data-testid="library-empty"]').waitFor({ timeout: 10_000 });
    expect(await row.count()).toBe(0);
    const library = await (await fetch(`http://127.0.0.1:${node.port}/api/library`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).json();
    expect(library).toMatchObject({ sets: [], totalBytes: 0 });
  });
});
