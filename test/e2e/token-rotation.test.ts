/**
 * Issue #7 part 5 in the studio: "Change publish token" (Profile tab) asks first, gets a new
 * token from the node, shows it with the OBS reminder, and reloads the studio with it; the old one
 * is refused from then on. Not while this studio is sending a set (a reload would end it).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('changing the publish token from the studio', () => {
  let dir: string;
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let base: string;
  let busker: LaunchedChromium;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'curbcast-rotate-e2e-'));
    node = await startTestNode({ dataDir: dir, publishToken: undefined });
    base = `http://127.0.0.1:${node.port}`;
    busker = await launchChromium();
  });

  afterAll(async () => {
    await busker?.close();
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks, changes it, shows the new token for OBS, reloads with it; the old one is refused', async () => {
    const old = (await readFile(join(dir, 'publish-token'), 'utf8')).trim();
    const studio = await busker.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 900 });
    const errors: string[] = [];
    studio.on('pageerror', (error) => errors.push(error.message));
    await studio.goto(`${base}/studio/#token=${encodeURIComponent(old)}`);
    await studio.waitForSelector('[data-testid="tab-profile"]', { state: 'visible' });
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);

    // While this studio is on air: refused, with the reason.
    await studio.click('[data-testid="go-live"]');
    await studio.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'live', null, { timeout: 20_000 });
    await studio.click('[data-testid="tab-profile"]');
    await studio.click('[data-testid="token-rotate"]');
    expect(await studio.textContent('[data-testid="token-rotation-error"]')).toMatch(/End your set first/);
    expect(await studio.isVisible('#token-dialog')).toBe(false);
    await studio.click('[data-testid="tab-live"]');
    await studio.click('[data-testid="go-live"]');
    await waitFor('offline', () => !node.sfu.status().live, 15_000);
    await studio.waitForFunction(() => ['offline', 'ended'].includes(document.querySelector('[data-testid="state"]')?.textContent ?? ''));

    // Cancel changes nothing.
    await studio.click('[data-testid="tab-profile"]');
    await studio.click('[data-testid="token-rotate"]');
    await studio.waitForSelector('#token-dialog', { state: 'visible' });
    await studio.click('[data-testid="cancel-token-rotate"]');
    expect((await readFile(join(dir, 'publish-token'), 'utf8')).trim()).toBe(old);

    // Confirm: the new token is shown, with the OBS reminder.
    await studio.click('[data-testid="token-rotate"]');
    await studio.waitForSelector('#token-dialog', { state: 'visible' });
    await studio.screenshot({ path: join(SHOTS, 'studio-token-confirm.png') });
    await studio.click('[data-testid="confirm-token-rotate"]');
    await studio.waitForSelector('[data-testid="token-rotation-done"]', { state: 'visible' });
    const fresh = (await studio.textContent('[data-testid="token-rotation-new"]'))?.trim() ?? '';
    expect(fresh).not.toBe(old);
    expect(fresh).toBe((await readFile(join(dir, 'publish-token'), 'utf8')).trim());
    expect(await studio.textContent('[data-testid="token-rotation-obs"]')).toMatch(/OBS needs the new token/);
    await studio.screenshot({ path: join(SHOTS, 'studio-token-changed.png') });
    expect((await fetch(`${base}/api/studio`, { headers: { Authorization: `Bearer ${old}` } })).status).toBe(401);

    // Done: the studio reloads with the new token (kept in this tab, as the token panel keeps it).
    await Promise.all([studio.waitForEvent('load'), studio.click('[data-testid="token-rotation-reload"]')]);
    await studio.waitForSelector('[data-testid="tab-profile"]', { state: 'visible' });
    expect(await studio.isVisible('#token-panel')).toBe(false);
    expect(await studio.evaluate(() => sessionStorage.getItem('curbcast.publishToken'))).toBe(fresh);
    // …and it works: the busker's socket is the busker's again.
    await waitFor('the studio socket says hello as the busker', () =>
      node.audience.hub.connections().some((c) => c.isBusker),
    );

    // A studio opened with the old token is asked for the current one.
    const stale = await busker.browser.newPage();
    await stale.goto(`${base}/studio/#token=${encodeURIComponent(old)}`);
    await stale.waitForSelector('#token-panel', { state: 'visible' });
    expect(await stale.textContent('#token-message')).toMatch(/wrong/i);
    await stale.close();
    expect(errors).toEqual([]);
    await studio.close();
  });
});
