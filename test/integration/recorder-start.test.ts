/**
 * A recording that starts mid-group (the file opened after the publisher's keyframe went by, as
 * happens at go-live on a busy machine) starts its video at once from the cached group of
 * pictures instead of at the publisher's next keyframe. Real werift publisher on 127.0.0.1
 * (keyframes only every 2 s, keyframe requests ignored, so nothing but the cache can start the
 * video early), the real node and Recorder, the file read by ffprobe.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../server/record/recorder.js';
import { packetTimes } from '../helpers/ffprobe.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { publishWithWerift, type TestPublisher } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** How long the file records: well short of the publisher's next keyframe (2 s after the last). */
const RECORD_MS = 1200;

describe('a recorder that starts mid-group', () => {
  let node: Node | undefined;
  let publisher: TestPublisher | undefined;
  let folder: string | undefined;

  afterEach(async () => {
    await publisher?.stop().catch(() => undefined);
    await node?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
    node = publisher = folder = undefined;
  });

  it('starts the video from the cached group', async () => {
    node = await startTestNode();
    folder = await mkdtemp(join(tmpdir(), 'curbcast-recorder-'));
    const base = `http://127.0.0.1:${node.port}`;
    publisher = await publishWithWerift(base, TEST_TOKEN, '/whip');
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    const live = node;
    await waitFor('the set to be live', () => live.sfu.status().live);
    const stage = live.sfu.stage!;
    const video = stage.source('video')!;
    const audio = stage.source('audio')!;

    // Wait for a keyframe to go by, then a little: the recorder opens mid-group.
    await new Promise<void>((resolve) => {
      const stop = video.onPacket((packet) => {
        // The test publisher's VP8 payload header: P bit clear on a keyframe.
        if ((packet.payload[1]! & 0x01) === 0) {
          stop();
          resolve();
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const path = join(folder, 'mid-group.webm');
    const recorder = await Recorder.start({ path, sources: { video, audio }, onWriteError: (error) => expect.fail(error.message) });
    await new Promise((resolve) => setTimeout(resolve, RECORD_MS));
    await recorder.stop();

    // Without the cached group the video would only start at the next keyframe, after the file
    // ends: no frames at all. (The test publisher's made-up audio is not muxed by werift, so the
    // lining up with audio is checked with a real browser in test/e2e/recording.test.ts.)
    const videoTimes = await packetTimes(path, 'v');
    expect(videoTimes.length, 'video frames in the file').toBeGreaterThanOrEqual(20);
    expect(videoTimes.at(-1)! - videoTimes[0]!, 'seconds of video').toBeGreaterThanOrEqual(0.6);
  });
});
