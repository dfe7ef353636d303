/**
 * TURN for real (issue #8): Debian's coturn on 127.0.0.1 with `use-auth-secret`, the real node, the
 * studio in Chromium (fake camera) and a viewer page forced to relay (`?relay=1`). The busker types
 * the TURN server and its shared secret into the studio; "Check TURN" says it works; the viewer
 * plays with every packet through coturn (its selected candidate pair's local candidate is a
 * `relay` one). Then a wrong secret: the studio's check names the 401 and what to look at.
 * Nothing leaves 127.0.0.1: coturn listens and relays there only, and Chromium resolves no names.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startCoturn, whyNoCoturn, type Coturn } from '../helpers/coturn.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { id, waitForText } from '../helpers/page-text.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const SECRET = 'harbour-steps-turn-secret';

type Node = Awaited<ReturnType<typeof startTestNode>>;

const noCoturn = whyNoCoturn();
if (noCoturn) console.warn(`turn.test.ts skipped: ${noCoturn}`);

/** Keeps every RTCPeerConnection the page makes in `window.__pcs`, for getStats (test-only). */
const RECORD_PEERS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();`;

async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __curbcast?: { framesDecoded(): number } }).__curbcast?.framesDecoded() ?? 0);
}

/** The live peer's configuration and the local/remote candidates of its selected pair. */
function selectedPair(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState === 'connected');
    const pc = pcs.at(-1);
    if (!pc) return undefined;
    const stats = await pc.getStats();
    let pair: RTCIceCandidatePairStats | undefined;
    stats.forEach((report: { type: string; selectedCandidatePairId?: string }) => {
      if (report.type === 'transport' && report.selectedCandidatePairId) pair = stats.get(report.selectedCandidatePairId) as RTCIceCandidatePairStats;
    });
    if (!pair) return undefined;
    const local = stats.get(pair.localCandidateId) as { candidateType: string; relayProtocol?: string; address?: string; url?: string };
    const remote = stats.get(pair.remoteCandidateId) as { candidateType: string; address?: string; port?: number };
    const config = pc.getConfiguration();
    return {
      policy: config.iceTransportPolicy,
      servers: (config.iceServers ?? []).map((s) => ({ urls: s.urls, username: s.username })),
      local: { type: local.candidateType, protocol: local.relayProtocol, address: local.address, url: local.url },
      remote: { type: remote.candidateType, address: remote.address, port: remote.port },
      bytesReceived: pair.bytesReceived ?? 0,
    };
  });
}

describe.skipIf(noCoturn !== undefined)('TURN through a real coturn on loopback', () => {
  let coturn: Coturn;
  let node: Node;
  let base: string;
  let busker: LaunchedChromium;
  let audience: LaunchedChromium;
  let studio: Page;
  let turnUrl: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    coturn = await startCoturn({ secret: SECRET });
    turnUrl = `turn:127.0.0.1:${coturn.port}?transport=udp`;
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    busker = await launchChromium();
    audience = await launchChromium();
    studio = await busker.browser.newPage();
    studio.on('pageerror', (error) => pageErrors.push(error.message));
    await studio.setViewportSize({ width: 1280, height: 900 });
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
  });

  afterAll(async () => {
    await busker?.close();
    await audience?.close();
    await node?.close();
    await coturn?.close();
  });

  it('the busker adds coturn with its shared secret in the studio; the secret never comes back; "Check TURN" says it relays', async () => {
    await studio.click(id('tab-profile'));
    await studio.waitForSelector(`${id('ice-settings')} #ice-empty:not([hidden])`);
    await studio.click(id('ice-add'));
    await studio.fill(`${id('ice-server')} ${id('ice-urls')}`, turnUrl);
    expect(await studio.inputValue(`${id('ice-server')} ${id('ice-auth')}`)).toBe('rest');
    await studio.fill(`${id('ice-server')} ${id('ice-secret')}`, SECRET);
    await studio.fill(`${id('ice-server')} ${id('ice-ttl')}`, '900');
    await studio.click(id('ice-save'));
    // Saving checks at once.
    const result = await waitForText(studio, 'ice-check-results', /works|refused|could not|no relay/, 20_000);
    expect(result).toContain(`TURN server ${turnUrl} works: it relays through 127.0.0.1:`);

    // Write-only: the field is empty again, says "set", and the secret is nowhere in the page or the API.
    expect(await studio.inputValue(id('ice-secret'))).toBe('');
    expect(await studio.getAttribute(id('ice-secret'), 'placeholder')).toMatch(/^set/);
    expect(await studio.content()).not.toContain(SECRET);
    const settings = await (await fetch(`${base}/api/ice/settings`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).text();
    expect(settings).not.toContain(SECRET);
    expect(JSON.parse(settings)).toMatchObject({ servers: [{ urls: [turnUrl], auth: { kind: 'rest', secretSet: true, ttlSeconds: 900 } }] });
    // The check minted credentials coturn accepted.
    await waitFor('coturn allocated a relay', () => /ALLOCATE processed, success/.test(coturn.log()), 5000);
    await studio.screenshot({ path: join(SHOTS, 'studio-turn-ok.png'), fullPage: true });
  });

  it('a viewer forced to relay plays through coturn: frames rise, the selected pair is relay → node', async () => {
    await studio.click(id('tab-live'));
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0, null, { timeout: 15_000 });
    await studio.click(id('go-live'));
    await studio.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'live', null, { timeout: 20_000 });

    const viewer = await audience.browser.newPage();
    viewer.on('pageerror', (error) => pageErrors.push(error.message));
    await viewer.addInitScript(RECORD_PEERS);
    await viewer.setViewportSize({ width: 390, height: 844 });
    const allocationsBefore = (coturn.log().match(/ALLOCATE processed, success/g) ?? []).length;
    await viewer.goto(`${base}/?relay=1`);
    await viewer.waitForSelector('body[data-state="playing"]', { timeout: 30_000 });
    const first = await waitFor('first decoded frames', () => framesDecoded(viewer).then((n) => (n > 0 ? n : 0)), 15_000);
    await viewer.waitForTimeout(2000);
    expect(await framesDecoded(viewer), 'decoded frames keep rising').toBeGreaterThan(first + 10);

    const found = await waitFor('a selected candidate pair', () => selectedPair(viewer), 10_000);
    const pair = found!;
    expect(pair.policy).toBe('relay');
    expect(pair.servers).toHaveLength(1);
    expect(pair.servers[0]!.urls).toEqual([turnUrl]);
    // TURN REST credentials minted for this viewer, not the secret.
    expect(pair.servers[0]!.username).toMatch(/^\d{10}:[\w-]+$/);
    expect(pair.local.type).toBe('relay');
    expect(pair.local.address).toBe('127.0.0.1');
    // The far end is the node's own host candidate: coturn relays to it.
    expect(pair.remote).toMatchObject({ type: 'host', address: '127.0.0.1' });
    expect(pair.bytesReceived).toBeGreaterThan(10_000);
    const allocationsAfter = (coturn.log().match(/ALLOCATE processed, success/g) ?? []).length;
    expect(allocationsAfter).toBeGreaterThan(allocationsBefore);
    expect(coturn.log()).not.toContain(SECRET);
    await viewer.screenshot({ path: join(SHOTS, 'viewer-relay.png') });
    await viewer.close();
  });

  it('with a wrong secret, "Check TURN" says coturn refused the credentials (401) and what to check', async () => {
    await studio.click(id('tab-profile'));
    await studio.fill(id('ice-secret'), 'not-the-coturn-secret');
    await studio.click(id('ice-save'));
    const message = await waitForText(studio, 'ice-check-results', /refused|works|could not|no relay/, 20_000);
    expect(message).toContain(
      `TURN server ${turnUrl} refused the credentials (401 Unauthorized): check the shared secret and realm`,
    );
    expect(await studio.getAttribute(id('ice-check-result'), 'data-ok')).toBe('false');
    await studio.screenshot({ path: join(SHOTS, 'studio-turn-401.png'), fullPage: true });

    // The button alone runs the same check again.
    await studio.evaluate(() => document.querySelector('[data-testid="ice-check-results"]')!.replaceChildren());
    await studio.click(id('ice-check'));
    await waitForText(studio, 'ice-check-results', 'refused the credentials (401 Unauthorized)', 20_000);
  });

  it('removing the server: the check says viewers connect directly, and /api/ice is empty again', async () => {
    await studio.click(id('ice-remove'));
    await studio.click(id('ice-save'));
    await waitForText(studio, 'ice-note', 'no servers');
    await studio.click(id('ice-check'));
    await waitForText(studio, 'ice-check-results', 'connect to this laptop directly');
    expect(await (await fetch(`${base}/api/ice`)).json()).toEqual({ iceServers: [] });
    await studio.click(id('tab-live'));
    await studio.click(id('go-live'));
    await waitFor('set ended', () => !node.sfu.status().live, 15_000);
    expect(pageErrors).toEqual([]);
  });
});
