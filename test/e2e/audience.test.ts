/**
 * The audience side in real browsers: the studio and two viewers (plus a late third) in Chromium,
 * the real node recording the set. Chat both ways, text never HTML, rate limit, moderation
 * (delete, mute, blocked word), history on join, the busker's profile, location only with consent,
 * the schedule's countdown and the switch to the player, and "clip that!" markers aggregated and
 * stored on the recording's clock. Steps run in order and share one set.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { id, waitForText } from '../helpers/page-text.js';
import { waitFor } from '../helpers/wait.js';
import { setMarkers } from '../../server/library/markers.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** The chat transcript of a page, as "name: text" lines. */
function transcript(page: Page): Promise<string[]> {
  // The live chat only (comments on shorts use the same item ids).
  return page.$$eval(`${id('chat-list')} ${id('chat-message')}`, (items) =>
    items.map((item) => `${item.querySelector('[data-testid="chat-name"]')?.textContent}: ${item.querySelector('[data-testid="chat-text"]')?.textContent}`),
  );
}

async function waitForLine(page: Page, line: string, timeout = 10_000): Promise<void> {
  await waitFor(`"${line}" in the chat`, async () => (await transcript(page)).includes(line), timeout);
}

async function say(page: Page, text: string, input = 'chat-input', send = 'chat-send'): Promise<void> {
  await page.fill(id(input), text);
  await page.click(id(send));
}

describe('the audience in Chromium: chat, moderation, page, location, schedule, clip that', () => {
  let node: Node;
  let base: string;
  let busker: LaunchedChromium;
  let audience: LaunchedChromium;
  let studio: Page;
  let ana: Page;
  let guest: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    busker = await launchChromium();
    audience = await launchChromium();
    studio = await busker.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 900 });
    [ana, guest] = await Promise.all([audience.browser.newPage(), audience.browser.newPage()]);
    for (const page of [studio, ana, guest]) page.on('pageerror', (error) => pageErrors.push(error.message));
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
    for (const viewer of [ana, guest]) {
      await viewer.setViewportSize({ width: 390, height: 844 });
      await viewer.goto(`${base}/`);
      await viewer.waitForSelector('body[data-state="offline"]');
    }
  });

  afterAll(async () => {
    await busker?.close();
    await audience?.close();
    await node?.close();
  });

  it('the busker edits the profile in the studio and viewers see it at once', async () => {
    await studio.click(id('tab-profile'));
    await studio.fill(id('profile-name-input'), 'Mo the Fiddler');
    await studio.fill(id('profile-bio-input'), 'Reels, jigs and the odd waltz.');
    await studio.click(id('profile-link-add'));
    await studio.fill(id('profile-link-label'), 'Tip jar');
    await studio.fill(id('profile-link-url'), 'https://ko-fi.com/mo');
    await studio.click(id('profile-save'));
    for (const viewer of [ana, guest]) {
      await waitForText(viewer, 'profile-name', 'Mo the Fiddler');
      await waitForText(viewer, 'profile-bio', 'Reels, jigs');
    }
    const link = await ana.$eval(`${id('profile-links')} a`, (a) => ({ href: (a as HTMLAnchorElement).href, rel: (a as HTMLAnchorElement).rel, text: a.textContent }));
    expect(link).toMatchObject({ href: 'https://ko-fi.com/mo', text: 'Tip jar' });
    expect(link.rel).toContain('noopener');
  });

  it('a scheduled set shows on the offline page with a live countdown and a "starting soon" notice', async () => {
    await studio.click(id('tab-schedule'));
    // Four minutes from now, in the studio's local time (datetime-local has minute precision).
    const startsAt = new Date(Math.ceil((Date.now() + 4 * 60_000) / 60_000) * 60_000);
    const local = new Date(startsAt.getTime() - startsAt.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await studio.fill(id('schedule-time'), local);
    await studio.fill(id('schedule-title'), 'Sunset reels');
    await studio.fill(id('schedule-place'), 'Harbour steps');
    await studio.click(id('schedule-add'));
    await waitForText(studio, 'schedule-item', 'Sunset reels');

    await waitForText(ana, 'next-set', 'Sunset reels');
    const first = await waitForText(ana, 'next-set-countdown', /\d:\d\d/);
    await ana.waitForTimeout(1200);
    const later = await ana.textContent(id('next-set-countdown'));
    expect(later, 'the countdown ticks').not.toBe(first);
    // Scheduled under five minutes ahead: connected viewers are told at once.
    await waitForText(guest, 'notice', 'Sunset reels');
    await ana.screenshot({ path: join(SHOTS, 'viewer-offline-schedule.png') });
  });

  it('location typed (or taken from the browser) without consent: nothing reaches viewers', async () => {
    await studio.click(id('tab-live')).catch(() => undefined);
    await studio.fill(id('location-place'), 'Harbour steps, Galway');
    // "Use my current position": the browser's geolocation (here an emulated fix) fills the coordinates.
    await busker.browser.grantPermissions(['geolocation'], { origin: base });
    await busker.browser.setGeolocation({ latitude: 53.2707, longitude: -9.0568, accuracy: 20 });
    await studio.click(id('location-here'));
    await studio.waitForFunction(() => (document.querySelector('[data-testid="location-lat"]') as HTMLInputElement).value.startsWith('53.27'));
    expect(await studio.inputValue(id('location-lon'))).toMatch(/^-9\.056/);
    await studio.click(id('location-save'));
    await waitForText(studio, 'location-shown', /no location/i);
    await studio.waitForFunction(() => !(document.querySelector('[data-testid="location-share"]') as HTMLInputElement).checked);
    expect(await ana.isVisible(id('location'))).toBe(false);
    expect(await ana.content()).not.toContain('Harbour steps, Galway');
  });

  it('going live switches the viewers from the countdown to the player', async () => {
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0, null, { timeout: 15_000 });
    await studio.click(id('go-live'));
    await studio.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'live', null, { timeout: 20_000 });
    for (const viewer of [ana, guest]) {
      await viewer.waitForSelector('body[data-state="playing"]', { timeout: 20_000 });
      expect(await viewer.isVisible(id('next-set'))).toBe(false);
    }
    await waitFor('recording', () => node.archive.state.state === 'recording', 15_000);
    // Consent is still off while live: still nothing.
    expect(await ana.isVisible(id('location'))).toBe(false);
    expect(JSON.stringify(node.sfu.status())).not.toContain('Galway');
  });

  it('with consent, viewers see the place, an OpenStreetMap link and directions', async () => {
    await studio.check(id('location-share'));
    await studio.click(id('location-save'));
    await waitForText(studio, 'location-shown', 'Harbour steps, Galway');
    for (const viewer of [ana, guest]) {
      await waitForText(viewer, 'location-place', 'Harbour steps, Galway');
      const links = await viewer.evaluate(() => ({
        map: document.querySelector<HTMLAnchorElement>('[data-testid="location-map"]')?.href,
        directions: document.querySelector<HTMLAnchorElement>('[data-testid="location-directions"]')?.href,
      }));
      expect(links.map).toMatch(/^https:\/\/www\.openstreetmap\.org\//);
      expect(links.directions).toMatch(/^https:\/\/www\.openstreetmap\.org\/directions\?/);
    }
  });

  it('chat both ways: a chosen name, an anonymous guest, and the busker with a badge', async () => {
    await ana.fill(id('chat-name-input'), 'Ana');
    await ana.click(id('chat-name-save'));
    await waitForText(ana, 'chat-you', 'Ana');
    const guestName = (await waitForText(guest, 'chat-you', /Guest [0-9A-F]{4}/)).match(/Guest [0-9A-F]{4}/)![0];

    await say(ana, 'Play the Kesh jig!');
    await waitForLine(guest, 'Ana: Play the Kesh jig!');
    await waitForLine(studio, 'Ana: Play the Kesh jig!');

    await say(studio, 'Coming right up', 'studio-chat-input', 'studio-chat-send');
    for (const page of [ana, guest]) await waitForLine(page, 'Mo the Fiddler: Coming right up');
    const badges = await ana.$$eval(id('chat-message'), (items) =>
      items.map((item) => [item.querySelector('[data-testid="chat-name"]')?.textContent, !!item.querySelector('[data-testid="chat-badge"]')]),
    );
    expect(badges).toEqual([
      ['Ana', false],
      ['Mo the Fiddler', true],
    ]);

    await say(guest, 'lovely tune');
    await waitForLine(ana, `${guestName}: lovely tune`);
  });

  it('a message of HTML is shown as text and runs nothing, anywhere', async () => {
    const attack = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await say(guest, attack);
    for (const page of [ana, studio, guest]) {
      await waitFor('the attack shown as text', async () => (await transcript(page)).some((line) => line.endsWith(attack)));
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.$$(`${id('chat-message')} img, ${id('chat-message')} b`)).toEqual([]);
    }
  });

  it('a viewer who writes too fast is told to slow down, and keeps the text', async () => {
    // The burst allows five, then one per two seconds: a quick run of messages is stopped by the
    // sixth at the latest (earlier if the guest's earlier message still counts), whatever the timing.
    let refused: string | undefined;
    for (let i = 0; i < 8 && refused === undefined; i++) {
      await say(guest, `spam ${i}`);
      const error = await guest
        .waitForFunction(() => !document.querySelector<HTMLElement>('[data-testid="chat-error"]')?.hidden, null, { timeout: 400 })
        .then(() => true, () => false);
      if (error) refused = `spam ${i}`;
    }
    await waitForText(guest, 'chat-error', /slow down/i);
    // The refused text stays in the box, to send again.
    expect(await guest.inputValue(id('chat-input'))).toBe(refused);
  });

  it('the busker deletes a message: it disappears for every viewer', async () => {
    const line = 'Ana: Play the Kesh jig!';
    const item = studio.locator(id('chat-message'), { hasText: 'Play the Kesh jig!' });
    await item.locator(id('chat-delete')).click();
    for (const page of [ana, guest, studio]) await waitFor('message gone', async () => !(await transcript(page)).includes(line));
  });

  it('the busker mutes a viewer: their next message is refused with a message that says so', async () => {
    const item = studio.locator(id('chat-message'), { hasText: 'lovely tune' });
    await item.locator(id('chat-mute')).click();
    await waitForText(studio, 'muted-list', /Guest [0-9A-F]{4}/);
    await guest.waitForTimeout(2100);
    await say(guest, 'can you hear me?');
    await waitForText(guest, 'chat-error', /muted/i);
    await ana.waitForTimeout(300);
    expect((await transcript(ana)).some((line) => line.endsWith('can you hear me?'))).toBe(false);
  });

  it('a blocked word is refused', async () => {
    await studio.fill(id('blocked-words'), 'banjo');
    await studio.click(id('moderation-save'));
    await waitFor('settings saved', () => node.audience.rules.settings.blockedWords.includes('banjo'));
    await say(ana, 'more BANJO please');
    await waitForText(ana, 'chat-error', /word/i);
    expect((await transcript(guest)).some((line) => line.includes('BANJO'))).toBe(false);
  });

  it('a viewer who joins late gets the recent history, without deleted messages', async () => {
    const late = await audience.browser.newPage();
    late.on('pageerror', (error) => pageErrors.push(error.message));
    await late.goto(`${base}/`);
    await waitForLine(late, 'Mo the Fiddler: Coming right up');
    const lines = await transcript(late);
    expect(lines).not.toContain('Ana: Play the Kesh jig!');
    expect(lines.some((line) => line.endsWith('lovely tune'))).toBe(true);
    await late.close();
  });

  it('"clip that!" from two viewers is one marker with a count, shown live in the studio and stored on the recording clock', async () => {
    await ana.click(id('clip-that'));
    await guest.click(id('clip-that'));
    await waitForText(ana, 'clip-that-ack', /\d/);
    await waitForText(studio, 'marker-item', '×2');
    const setId = node.archive.liveSetId!;
    const markers = setMarkers(node.db, setId);
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatchObject({ count: 2, kind: 'clip-that' });
    expect(markers[0]!.recordingId).toBe(node.archive.clock()!.recordingId);
    expect(markers[0]!.offsetMs).toBeGreaterThan(1000);
    // Chat is stored against the same clock: wall time and position in the recording.
    const rows = node.db
      .prepare('SELECT created_at, recording_id, recording_offset_ms FROM chat_messages WHERE set_id = ? ORDER BY id')
      .all(setId) as Array<{ created_at: number; recording_id: number | null; recording_offset_ms: number | null }>;
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(row.recording_id).toBe(markers[0]!.recordingId);
      expect(row.recording_offset_ms).toBeGreaterThan(0);
      expect(row.recording_offset_ms).toBeLessThan(markers[0]!.offsetMs!);
    }
    // The button cools down: a second tap at once is not possible.
    expect(await ana.isDisabled(id('clip-that'))).toBe(true);
    await studio.screenshot({ path: join(SHOTS, 'studio-audience.png') });
    await ana.screenshot({ path: join(SHOTS, 'viewer-chat.png') });
  });

  it('ending the set withdraws the location and closes chat; no page threw', async () => {
    await studio.click(id('go-live'));
    await ana.waitForSelector('body[data-state="offline"]', { timeout: 10_000 });
    await ana.waitForSelector(id('location'), { state: 'hidden' });
    await waitForText(ana, 'chat-closed', /opens when/i);
    expect(node.audience.location.draft.share).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
