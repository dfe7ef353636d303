/**
 * Every set is recorded: a real Chromium publisher with a file-fed 720p30 camera (real bitrate)
 * for ≥30 s, then the WebM file is checked with ffprobe for A/V continuity and seekability.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNoisyY4m } from '../bench/y4m.js';
import { publishFromChromium, type BrowserPublisher } from '../helpers/browser-publisher.js';
import { decodesCleanly, ffprobe, gapsOver, hasCues, largestGap, packetTimes } from '../helpers/ffprobe.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { listSets } from '../../server/library/sets.js';
import { recordingsOfSet } from '../../server/library/recordings.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

const RECORD_SECONDS = 30;

describe('recording a live set', () => {
  let node: Node;
  let publisher: BrowserPublisher | undefined;
  let cameraDir: string;

  beforeAll(async () => {
    cameraDir = await mkdtemp(join(tmpdir(), 'curbcast-camera-'));
    node = await startTestNode();
  });
  afterAll(async () => {
    await publisher?.close();
    await node?.close();
    await rm(cameraDir, { recursive: true, force: true });
  });

  it(`keeps ${RECORD_SECONDS} s of audio and video without gaps, seekable, in a finalised row`, async () => {
    const camera = makeNoisyY4m(cameraDir, { seconds: 2 });
    const base = `http://127.0.0.1:${node.port}`;
    await fetch(`${base}/api/set`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_TOKEN}` },
      body: JSON.stringify({ title: 'Long take', hashtags: [], description: '' }),
    });
    publisher = await publishFromChromium(base, TEST_TOKEN, { videoFile: camera.path });
    await waitFor('recording', () => node.archive.state.state === 'recording', 15_000);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, RECORD_SECONDS * 1000));
    await publisher.stop();
    const wallSeconds = (Date.now() - started) / 1000;
    await waitFor('recording finalised', () => {
      const set = listSets(node.db)[0];
      return set && recordingsOfSet(node.db, set.id)[0]?.status === 'finalised';
    }, 20_000);

    const set = listSets(node.db)[0]!;
    expect(set).toMatchObject({ title: 'Long take', endReason: 'ended by the publisher' });
    expect(set.endedAt).toBeGreaterThan(set.startedAt);
    const recording = recordingsOfSet(node.db, set.id)[0]!;
    const path = join(node.dataDir, recording.file);

    const probe = await ffprobe(path);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('vp8');
    expect(audio?.codec_name).toBe('opus');
    expect(video?.width).toBe(1280);
    expect(video?.height).toBe(720);
    const duration = Number(probe.format.duration);
    expect(Math.abs(duration - wallSeconds), `duration ${duration} s vs wall ${wallSeconds} s`).toBeLessThan(1);
    expect(recording.durationMs! / 1000).toBeCloseTo(duration, 0);
    expect(recording.sizeBytes).toBe(Number(probe.format.size));

    const videoTimes = await packetTimes(path, 'v');
    const audioTimes = await packetTimes(path, 'a');
    const report = {
      videoGap: largestGap(videoTimes),
      audioGap: largestGap(audioTimes),
      avStart: Math.abs((videoTimes[0] ?? 0) - (audioTimes[0] ?? 0)),
      videoFrames: videoTimes.length,
      audioPackets: audioTimes.length,
      kbps: Math.round((Number(probe.format.size) * 8) / duration / 1000),
      videoGapsOver100ms: gapsOver(videoTimes, 0.1).slice(0, 5),
      firstVideo: videoTimes[0],
      firstAudio: audioTimes[0],
      // Lip sync at the end: the two tracks' clocks must not drift apart over the take.
      endDrift: Math.abs((videoTimes.at(-1) ?? 0) - (audioTimes.at(-1) ?? 0)),
    };
    console.log('recording continuity', JSON.stringify(report));
    expect(report.audioGap, 'largest audio gap (s)').toBeLessThanOrEqual(0.06);
    expect(report.videoGap, 'largest video gap (s)').toBeLessThanOrEqual(0.2);
    expect(report.avStart, 'audio/video start apart (s)').toBeLessThanOrEqual(0.1);
    expect(report.endDrift, 'audio/video end apart (s)').toBeLessThanOrEqual(0.1);

    expect(await hasCues(path)).toBe(true);
    await decodesCleanly(path, duration / 2);
  });
});
