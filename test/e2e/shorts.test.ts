/**
 * Shorts as a busker makes them, in real Chromium against the real node: record a short set from
 * the studio (fake camera and microphone over WebRTC), open it in the clip editor from the Library,
 * pick a range with the keyboard and export a fast copy (cut in the node) and a vertical 9:16 short
 * (encoded in the page with WebCodecs), check both files with ffprobe, publish the short, and watch
 * a viewer find it on the busker's page while offline, comment, and see the busker delete the comment.
 * Steps run in order and share one set.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clip, Short, Timeline } from '../../common/clips.js';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { ffprobe } from '../helpers/ffprobe.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { id, waitForText } from '../helpers/page-text.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
type Node = Awaited<ReturnType<typeof startTestNode>>;

/** How far a stream may start after 0 (WebM timestamps are whole ms; Opus starts a packet early). */
const START_TOLERANCE_S = 0.1;

// The vertical short is encoded in software on a 2-core machine shared with the node: long timeouts.
describe('shorts in Chromium: cut, export, publish, comment', { timeout: 180_000 }, () => {
  let node: Node;
  let base: string;
  let busker: LaunchedChromium;
  let passerBy: LaunchedChromium;
  let studio: Page;
  let viewer: Page;
  let downloads: string;
  let recordingId: number;
  let timeline: Timeline;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${TEST_TOKEN}`, ...init.headers } });
    expect(response.ok, `${path} answered ${response.status}`).toBe(true);
    return (await response.json()) as T;
  };
  const clips = async () => (await api<{ clips: Clip[] }>('/api/clips')).clips;
  /** Fetches a clip through its signed link, as the studio's player does, and probes the file. */
  async function probeClip(clip: Clip) {
    const response = await fetch(`${base}${clip.mediaUrl}`);
    expect(response.status).toBe(200);
    const path = join(downloads, `clip-${clip.id}.webm`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return ffprobe(path);
  }
  /** Moves the editor's playhead to `seconds` with → (a second a press) and presses `key` there. */
  async function markAt(seconds: number, key: 'i' | 'o'): Promise<void> {
    await studio.locator(id('clip-editor-panel')).focus();
    for (let i = 0; i < seconds; i++) await studio.keyboard.press('ArrowRight');
    await studio.keyboard.press(key);
  }
  async function rewind(): Promise<void> {
    await studio.locator(id('clip-editor-panel')).focus();
    for (let i = 0; i < 20; i++) await studio.keyboard.press('ArrowLeft');
  }

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    downloads = await mkdtemp(join(tmpdir(), 'curbcast-shorts-'));
    busker = await launchChromium();
    passerBy = await launchChromium();
    studio = await busker.browser.newPage();
    await studio.setViewportSize({ width: 1280, height: 900 });
    viewer = await passerBy.browser.newPage();
    await viewer.setViewportSize({ width: 390, height: 844 });
  });
  afterAll(async () => {
    await busker?.close();
    await passerBy?.close();
    await node?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  it('records a short set from the studio', async () => {
    await studio.goto(`${base}/studio/#token=${TEST_TOKEN}`);
    await studio.fill(id('title'), 'Corner of Main St');
    await studio.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="preview"]')?.videoWidth ?? 0) > 0);
    await studio.click(id('go-live'));
    await waitForText(studio, 'state', 'live', 20_000);
    await waitForText(studio, 'recording-state', 'recording', 10_000);
    await studio.waitForTimeout(14_000);
    await studio.click(id('go-live'));
    await waitFor('the recording to be finalised', () => node.archive.state.state === 'off' && !node.sfu.status().live, 20_000);

    const library = await api<{ sets: Array<{ recordings: Array<{ id: number }> }> }>('/api/library');
    recordingId = library.sets[0]!.recordings[0]!.id;
    timeline = await api<Timeline>(`/api/recordings/${recordingId}/timeline`);
    expect(timeline.durationMs).toBeGreaterThan(12_000);
    // The recorder asks for a keyframe every 2 s, so a fast copy never starts far before its in-point.
    expect(timeline.keyframesMs.length).toBeGreaterThanOrEqual(4);
  });

  it('opens the recording in the clip editor from the Library and picks 0:03–0:09 with the keyboard', async () => {
    await studio.click(id('tab-library'));
    await studio.locator(id('library-cut')).first().click();
    // The editor's own test hook: the timeline is drawn and the video can seek.
    await studio.waitForFunction(() => (window as { __curbcastEditor?: { ready(): boolean } }).__curbcastEditor?.ready() === true, null, {
      timeout: 30_000,
    });
    expect(await studio.locator(id('shorts')).isVisible()).toBe(true);
    await markAt(3, 'i');
    await markAt(6, 'o');
    expect(await studio.textContent(id('editor-in'))).toBe('0:03.0');
    expect(await studio.textContent(id('editor-out'))).toBe('0:09.0');
    expect(await studio.textContent(id('editor-length'))).toBe('0:06.0');
    await studio.screenshot({ path: join(SHOTS, 'studio-clip-editor.png') });
  });

  it('fast copy: both streams, starting at 0, from the keyframe at or before the in-point', async () => {
    await studio.fill(id('editor-title'), 'The high note');
    await studio.click(id('export-copy'));
    await waitForText(studio, 'export-status', 'Saved', 60_000);

    const clip = (await clips()).find((c) => c.title === 'The high note');
    expect(clip).toMatchObject({ mode: 'copy', recordingId, inMs: 3000, outMs: 9000 });
    const snappedIn = Math.max(...timeline.keyframesMs.filter((ms) => ms <= 3000), 0);
    expect(3000 - snappedIn).toBeLessThanOrEqual(2_500);
    const probe = await probeClip(clip!);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('vp8');
    expect(audio?.codec_name).toBe('opus');
    for (const stream of [video!, audio!]) expect(Number(stream.start_time ?? 0)).toBeLessThan(START_TOLERANCE_S);
    const duration = Number(probe.format.duration);
    // From the snapped keyframe to the out-point: within a frame or an Opus packet either way.
    expect(Math.abs(duration - (9000 - snappedIn) / 1000), `duration ${duration} s, keyframe at ${snappedIn} ms`).toBeLessThan(0.25);
  });

  it('vertical short: 720×1280, with sound, exactly the range asked for', async () => {
    await rewind();
    await markAt(2, 'i');
    await markAt(6, 'o');
    expect(await studio.textContent(id('editor-length'))).toBe('0:06.0');
    await studio.fill(id('editor-title'), 'Vertical high note');
    await studio.click(id('export-vertical'));
    await waitFor('the progress bar to move', async () => Number(await studio.getAttribute(id('export-progress'), 'value')) > 0, 60_000);
    await waitForText(studio, 'export-status', 'Saved “Vertical high note”', 150_000);

    const clip = (await clips()).find((c) => c.title === 'Vertical high note');
    expect(clip).toMatchObject({ mode: 'vertical', width: 720, height: 1280, inMs: 2000, outMs: 8000, published: false });
    const probe = await probeClip(clip!);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ width: 720, height: 1280 });
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(Math.abs(Number(probe.format.duration) - 6)).toBeLessThan(0.2);
  });

  it('cancel mid-export and a range past the end each say why, and leave nothing in the gallery or the clips folder', async () => {
    const before = (await clips()).length;
    const clipsFolder = () => readdir(join(node.dataDir, 'clips')).catch(() => [] as string[]);
    const files = await clipsFolder();
    await studio.fill(id('editor-title'), 'Never saved');
    await studio.click(id('export-vertical'));
    await waitFor('the encode to start', async () => Number(await studio.getAttribute(id('export-progress'), 'value')) > 0, 60_000);
    await studio.click(id('export-cancel'));
    await waitForText(studio, 'export-status', 'Cancelled: nothing was saved.', 20_000);

    // The node refuses a range the page would not send (say, an older tab's): out beyond the end.
    const refused = await fetch(`${base}/api/clips`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recordingId, inMs: 1000, outMs: timeline.durationMs + 5000, title: 'Too long' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/past the end/);

    expect((await clips()).length).toBe(before);
    expect((await clipsFolder()).sort()).toEqual(files.sort());
  });

  it('the gallery publishes the short; a viewer finds it on the page while the busker is offline', async () => {
    await studio.click(id('shorts-refresh'));
    const card = studio.locator(id('short-item'), { hasText: 'Vertical high note' });
    await card.waitFor({ timeout: 10_000 });
    await card.locator(id('short-publish')).check();
    await waitFor('the short to be published', async () => (await clips()).find((c) => c.title === 'Vertical high note')?.published === true);
    await studio.screenshot({ path: join(SHOTS, 'studio-shorts-gallery.png') });

    await viewer.goto(base);
    const short = viewer.locator(id('short-card'), { hasText: 'Vertical high note' });
    await short.waitFor({ timeout: 15_000 });
    // Only published ones: the fast copy stays private.
    expect(await viewer.locator(id('short-card')).count()).toBe(1);
    const plays = await viewer.evaluate(async () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="short-video"]')!;
      video.muted = true;
      await video.play();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { time: video.currentTime, width: video.videoWidth, height: video.videoHeight };
    });
    expect(plays.time).toBeGreaterThan(0.5);
    expect(plays).toMatchObject({ width: 720, height: 1280 });
  });

  it('a viewer comments; the busker sees it and deletes it, for everyone', async () => {
    const short = viewer.locator(id('short-card'), { hasText: 'Vertical high note' });
    await short.locator(id('comment-input')).waitFor({ state: 'visible', timeout: 10_000 });
    await short.locator(id('comment-input')).fill('Goosebumps <b>here</b>');
    await short.locator(id('comment-send')).click();
    await waitFor('the comment on the viewer page', async () => (await short.locator(id('chat-text')).allTextContents()).includes('Goosebumps <b>here</b>'), 10_000);
    await viewer.screenshot({ path: join(SHOTS, 'viewer-short-comment.png') });

    const published = (await (await fetch(`${base}/api/shorts`)).json()) as { shorts: Short[] };
    expect(published.shorts[0]?.comments.map((c) => c.text)).toEqual(['Goosebumps <b>here</b>']);

    const card = studio.locator(id('short-item'), { hasText: 'Vertical high note' });
    const comment = card.locator(id('short-comment'), { hasText: 'Goosebumps' });
    await comment.waitFor({ timeout: 10_000 });
    await comment.locator(id('comment-delete')).click();
    await waitFor('the comment gone from the viewer page', async () => (await short.locator(id('chat-text')).count()) === 0, 10_000);
    const after = (await (await fetch(`${base}/api/shorts`)).json()) as { shorts: Short[] };
    expect(after.shorts[0]?.comments).toEqual([]);
    expect(await card.locator(id('short-comment')).count()).toBe(0);
  });
});
