/**
 * "Also publish to" in the studio (Chromium, fake camera): the busker fills in another node's
 * WHIP address and token, goes live, and the card's state line follows the relay — live on the
 * target, "Retrying in N s — reason" counting down while the target is away, waiting again after
 * End set. The token never reaches the page again once saved.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const TARGET_TOKEN = 'target-token-e2e-0123456789';

type Node = Awaited<ReturnType<typeof startTestNode>>;

const relayLine = (page: Page) => page.textContent('[data-testid="relay-state"]').then((text) => text ?? '');

async function waitForRelayLine(page: Page, pattern: RegExp, timeoutMs: number): Promise<string> {
  return waitFor(`the relay line to read ${pattern}`, async () => {
    const text = await relayLine(page);
    return pattern.test(text) ? text : '';
  }, timeoutMs, 100);
}

describe('studio: also publish to another node', () => {
  let a: Node;
  let b: Node | undefined;
  let bDir: string;
  let busker: LaunchedChromium;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    a = await startTestNode();
    bDir = await mkdtemp(join(tmpdir(), 'curbcast-relay-e2e-'));
    b = await startTestNode({ dataDir: bDir, publishToken: TARGET_TOKEN });
    busker = await launchChromium();
  });

  afterAll(async () => {
    await busker?.close();
    await a?.close();
    await b?.close();
    await rm(bDir, { recursive: true, force: true });
  });

  it('shows the relay waiting, live, retrying with a countdown, live again, and waiting after End set', async () => {
    const bPort = b!.port;
    const target = `127.0.0.1:${bPort}`;
    const studio = await busker.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 1000 });
    const errors: string[] = [];
    studio.on('pageerror', (error) => errors.push(error.message));
    await studio.goto(`http://127.0.0.1:${a.port}/studio/#token=${TEST_TOKEN}`);
    await waitForRelayLine(studio, /^Off$/, 10_000);

    await studio.fill('[data-testid="relay-url"]', `http://${target}/whip`);
    await studio.fill('[data-testid="relay-token"]', TARGET_TOKEN);
    await studio.check('[data-testid="relay-enabled"]');
    await studio.click('[data-testid="relay-save"]');
    await waitForRelayLine(studio, /^Waiting for you to go live$/, 10_000);
    // Saved: the field is empty again and says a token is kept; the page holds it nowhere.
    expect(await studio.inputValue('[data-testid="relay-token"]')).toBe('');
    expect(await studio.getAttribute('[data-testid="relay-token"]', 'placeholder')).toMatch(/^saved/);
    expect(await studio.content()).not.toContain(TARGET_TOKEN);

    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    await studio.click('[data-testid="go-live"]');
    await waitForRelayLine(studio, new RegExp(`^Live on ${target}$`), 30_000);
    expect(await studio.getAttribute('[data-testid="relay-state"]', 'data-kind')).toBe('live');
    expect(b!.sfu.status().live).toBe(true);
    await studio.locator('.relay').screenshot({ path: join(SHOTS, 'studio-relay-live.png') });

    // The target goes away: the line says why and counts the wait down, once a wait is long enough to see it.
    await b!.close();
    b = undefined;
    const first = await waitForRelayLine(studio, /^Retrying in ([3-9]|\d\d+) s — /, 60_000);
    const seconds = Number(/in (\d+) s/.exec(first)![1]);
    await studio.waitForTimeout(1300);
    const later = await relayLine(studio);
    expect(later).toMatch(/^Retrying in \d+ s — /);
    expect(Number(/in (\d+) s/.exec(later)![1])).toBeLessThan(seconds);
    expect(later.split(' — ')[1]).toBe(first.split(' — ')[1]);
    expect(first).toContain(target);
    await studio.locator('.relay').screenshot({ path: join(SHOTS, 'studio-relay-retrying.png') });
    // The studio's own set is untouched meanwhile.
    expect(await studio.textContent('[data-testid="state"]')).toBe('live');

    // Back on the same port: live again by itself.
    b = await startTestNode({ dataDir: bDir, publishToken: TARGET_TOKEN, port: bPort });
    await waitForRelayLine(studio, new RegExp(`^Live on ${target}$`), 45_000);

    // End set: the relay ends the target's set too and waits for the next one.
    await studio.click('[data-testid="go-live"]');
    await waitForRelayLine(studio, /^Waiting for you to go live$/, 15_000);
    await waitFor('the target’s set to end', () => !b!.sfu.status().live, 5000);
    expect(errors).toEqual([]);
    await studio.close();
  });
});
