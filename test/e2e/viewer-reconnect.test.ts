/**
 * Viewers come back by themselves: after the node restarts (the laptop's app was restarted in
 * the middle of a set) and after a network blip on the phone's side, the viewer page plays again
 * without a reload — with backoff and jitter between its tries (renderer/lib/backoff.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { blockUdpPort, whyUdpCannotBeBlocked } from '../helpers/network-block.js';
import { connectedPeerPort, keepPagePeers } from '../helpers/page-peers.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { id, waitForText } from '../helpers/page-text.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
type Node = Awaited<ReturnType<typeof startTestNode>>;

const frames = (page: Page) => page.evaluate(() => (window as unknown as { __curbcast: { framesDecoded(): number } }).__curbcast.framesDecoded());

/**
 * Waits until the page's picture has moved on by `more` frames; returns when. The count starts
 * again from 0 when the player swaps in a new session's stream.
 */
async function playsAgain(page: Page, more: number, timeoutMs: number): Promise<number> {
  let from = await frames(page);
  let previous = from;
  return (await waitFor(
    'the viewer to play again',
    async () => {
      const now = await frames(page);
      if (now < previous) from = now;
      previous = now;
      return now > from + more ? Date.now() : undefined;
    },
    timeoutMs,
    200,
  ))!;
}

describe('viewers reconnect by themselves', { timeout: 150_000 }, () => {
  let node: Node;
  let dataDir: string;
  let port: number;
  let busker: LaunchedChromium;
  let passerBy: LaunchedChromium;
  let studio: Page;
  let viewer: Page;
  let navigations = 0;

  beforeAll(async () => {
    // A data folder of the test's own, so the first node's close leaves it for the second.
    dataDir = await mkdtemp(join(tmpdir(), 'curbcast-restart-'));
    node = await startTestNode({ dataDir });
    port = node.port;
    busker = await launchChromium();
    passerBy = await launchChromium();
    studio = await busker.browser.newPage();
    viewer = await passerBy.browser.newPage();
    await keepPagePeers(viewer);
    viewer.on('framenavigated', (frame) => {
      if (frame === viewer.mainFrame()) navigations++;
    });
  });
  afterAll(async () => {
    await busker?.close();
    await passerBy?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('plays again after the node restarts mid-set, without a reload', async () => {
    await studio.goto(`http://127.0.0.1:${port}/studio/#token=${TEST_TOKEN}`);
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    await studio.click(id('go-live'));
    await waitForText(studio, 'state', 'live', 20_000);
    await viewer.goto(`http://127.0.0.1:${port}/`);
    await waitFor('the viewer to play', async () => (await frames(viewer)) > 30, 20_000);

    // The node goes away and comes back on the same port and data folder.
    await node.close();
    const restartedAt = Date.now();
    node = await startTestNode({ port, dataDir });
    // The studio starts a new set by itself; the viewer page follows it.
    await waitFor('the studio to be live on the new node', () => node.sfu.status().live, 60_000).catch(async (error: unknown) => {
      await studio.screenshot({ path: join(SHOTS, 'studio-after-node-restart-failed.png') });
      throw error;
    });
    const playing = await playsAgain(viewer, 30, 60_000).catch(async (error: unknown) => {
      await viewer.screenshot({ path: join(SHOTS, 'viewer-after-node-restart-failed.png') });
      throw error;
    });
    console.log(`node restart: the viewer played again ${playing - restartedAt} ms after the node was back`);
    expect(navigations).toBe(1);
    await viewer.screenshot({ path: join(SHOTS, 'viewer-after-node-restart.png') });
  });

  const cannotBlock = whyUdpCannotBeBlocked();
  it.skipIf(cannotBlock !== undefined)(`plays again after a 6 s network blip on the phone${cannotBlock ? ` (skipped: ${cannotBlock})` : ''}`, async () => {
    await waitFor('the viewer to be playing', async () => (await frames(viewer)) > 0, 10_000);
    const unblock = await blockUdpPort(await connectedPeerPort(viewer));
    try {
      await new Promise((resolve) => setTimeout(resolve, 6000));
    } finally {
      await unblock();
    }
    const back = Date.now();
    const playing = await playsAgain(viewer, 30, 40_000);
    console.log(`network blip: the viewer played again ${playing - back} ms after its network returned`);
    expect(navigations).toBe(1);
    expect(node.sfu.status().live).toBe(true);
  });
});
