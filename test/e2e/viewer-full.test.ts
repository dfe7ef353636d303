/**
 * Issue #7 part 6, as a passer-by sees it: when the laptop has no room for one more viewer, the
 * viewer page says so plainly ("The busker's laptop is full right now — try again in a minute")
 * instead of a broken player, and plays by itself once there is room again.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFromChromium, type BrowserPublisher } from '../helpers/browser-publisher.js';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, type TestViewer } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('the viewer page when the laptop is full', () => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let base: string;
  let publisher: BrowserPublisher;
  let audience: LaunchedChromium;
  let seat: TestViewer | undefined;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    node = await startTestNode({ maxViewers: 1 });
    base = `http://127.0.0.1:${node.port}`;
    publisher = await publishFromChromium(base, TEST_TOKEN, { width: 640, height: 360 });
    await waitFor('live', () => node.sfu.status().live, 20_000);
    audience = await launchChromium();
  });

  afterAll(async () => {
    await seat?.stop().catch(() => undefined);
    await audience?.close();
    await publisher?.close();
    await node?.close();
  });

  it('says "full" in words, then plays by itself once a seat frees up', async () => {
    // The only seat is taken.
    seat = await playWithWerift(base);
    expect(seat.status).toBe(201);
    await seat.waitForPackets(5);

    const page = await audience.browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-state="full"]', { timeout: 20_000 });
    expect(await page.isVisible('[data-testid="laptop-full"]')).toBe(true);
    expect((await page.textContent('[data-testid="laptop-full-message"]'))?.trim()).toBe("The busker's laptop is full right now — try again in a minute.");
    // No broken player: the video area is hidden, and so are the offline panel and the small note.
    expect(await page.isVisible('[data-testid="player"]')).toBe(false);
    expect(await page.isVisible('[data-testid="offline"]')).toBe(false);
    expect(await page.isVisible('#screen-note')).toBe(false);
    // The rest of the page (chat, the busker's page) still works.
    expect(await page.isVisible('[data-testid="chat-input"]')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'viewer-laptop-full.png') });

    // A seat frees up: the page tries again on its own (15–30 s later) and plays.
    await fetch(`${base}${seat.location}`, { method: 'DELETE' });
    await seat.stop();
    seat = undefined;
    await page.waitForSelector('body[data-state="playing"]', { timeout: 60_000 });
    expect(await page.isVisible('[data-testid="laptop-full"]')).toBe(false);
    await waitFor('the page counted as a viewer', () => node.sfu.status().viewers === 1, 10_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
