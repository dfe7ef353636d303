/**
 * Disk full or data folder unwritable: the recording stops with a clear event, the live stream
 * goes on, and the recording's row says failed with the reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../common/events.js';
import { publishFromChromium, type BrowserPublisher } from '../helpers/browser-publisher.js';
import { openEventsSocket } from '../helpers/events-socket.js';
import { canMountTmpfs } from '../helpers/synthetic-media.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';
import { listSets } from '../../server/library/sets.js';
import { recordingsOfSet } from '../../server/library/recordings.js';
import type { NodeOptions } from '../../server/node.js';

describe('recording on a full disk', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function liveWithRecorderTrouble(dataDir: string, archive: NodeOptions['archive'], expectedReason = 'disk full') {
    const node = await startTestNode({ dataDir, archive });
    cleanups.push(() => node.close());
    const base = `http://127.0.0.1:${node.port}`;
    // The recorder's state goes to the busker only: this socket says hello with the token.
    const studio = await openEventsSocket(node.port);
    cleanups.push(() => studio.close());
    await studio.hello({ token: TEST_TOKEN });
    const events = studio.events;
    const publisher: BrowserPublisher = await publishFromChromium(base, TEST_TOKEN);
    cleanups.push(() => publisher.close());
    const failed = await waitFor(
      'a "recording failed" event',
      () => events.find((e): e is Extract<ServerEvent, { type: 'recording' }> => e.type === 'recording' && e.state === 'failed'),
      30_000,
    );
    expect(failed?.reason).toBe(expectedReason);

    // The live set goes on: a viewer joining now still gets audio and video.
    expect(node.sfu.status().live).toBe(true);
    const viewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    await viewer.waitForPackets(30);

    const set = listSets(node.db)[0]!;
    const recording = recordingsOfSet(node.db, set.id)[0]!;
    expect(recording).toMatchObject({ status: 'failed', failure: expectedReason });
    await publisher.stop();
    await waitFor('offline', () => !node.sfu.status().live);
    // Ending the set must not turn the failed recording into a "finalised" one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recordingsOfSet(node.db, set.id)[0]).toMatchObject({ status: 'failed', failure: expectedReason });
  }

  // Runs where a tmpfs can be mounted (root, as on our CI machines); elsewhere it is skipped,
  // and the safety-margin case below still covers the "disk full" path.
  it.skipIf(!canMountTmpfs())('a recordings folder that really fills up (ENOSPC on a 384 KiB tmpfs)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'curbcast-full-'));
    const recordings = join(dataDir, 'recordings');
    await mkdir(recordings);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=384k', 'tmpfs', recordings]);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    cleanups.push(() => execFileSync('umount', ['-l', recordings]));
    await liveWithRecorderTrouble(dataDir, { minFreeBytes: 0 });
  });

  it.skipIf(!canMountTmpfs())('a recordings folder that cannot be written (read-only mount)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'curbcast-readonly-'));
    const recordings = join(dataDir, 'recordings');
    await mkdir(recordings);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', recordings]);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    cleanups.push(() => execFileSync('umount', ['-l', recordings]));
    await liveWithRecorderTrouble(dataDir, { minFreeBytes: 0 }, 'data folder not writable');
  });

  it('free space below the safety margin stops the recording before the disk is full', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'curbcast-margin-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // A margin no disk has: the guard trips at once.
    await liveWithRecorderTrouble(dataDir, { minFreeBytes: Number.MAX_SAFE_INTEGER, diskCheckMs: 200 });
  });
});
