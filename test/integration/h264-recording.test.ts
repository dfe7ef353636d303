/**
 * OBS publishes H.264 over WHIP: the node must forward and record it too. ffmpeg encodes real
 * H.264 + Opus; the recording is kept in Matroska (WebM does not admit H.264) with both tracks.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishH264FromFfmpeg, type FfmpegPublisher } from '../helpers/ffmpeg-publisher.js';
import { decodesCleanly, ffprobe, hasCues } from '../helpers/ffprobe.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';
import { listSets } from '../../server/library/sets.js';
import { recordingsOfSet } from '../../server/library/recordings.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe('an H.264 publisher (as OBS sends)', () => {
  let node: Node;
  let publisher: FfmpegPublisher | undefined;

  beforeAll(async () => {
    node = await startTestNode({ silenceTimeoutMs: 1500 });
  });
  afterAll(async () => {
    await publisher?.stop();
    await node?.close();
  });

  it('is forwarded and recorded with both tracks, seekable', async () => {
    const base = `http://127.0.0.1:${node.port}`;
    publisher = await publishH264FromFfmpeg(base, TEST_TOKEN);
    expect(publisher.status).toBe(201);
    await waitFor('recording', () => node.archive.state.state === 'recording', 15_000);

    const viewer = await playWithWerift(base);
    await viewer.waitForPackets(30);
    expect(viewer.answer).toMatch(/H264\/90000/);
    await viewer.stop();

    await new Promise((resolve) => setTimeout(resolve, 4000));
    await fetch(`${base}${publisher.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    await waitFor('finalised', () => {
      const set = listSets(node.db)[0];
      return set && recordingsOfSet(node.db, set.id)[0]?.status === 'finalised';
    }, 15_000);

    const recording = recordingsOfSet(node.db, listSets(node.db)[0]!.id)[0]!;
    expect(recording.file).toMatch(/\.mkv$/);
    const path = join(node.dataDir, recording.file);
    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['h264', 'opus']);
    expect(Number(probe.format.duration)).toBeGreaterThan(3);
    expect(await hasCues(path)).toBe(true);
    await decodesCleanly(path, 2);
  });
});
