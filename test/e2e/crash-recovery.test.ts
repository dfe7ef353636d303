/**
 * A crash or power cut loses at most a second, never the file: record ~10 s, SIGKILL the node,
 * start it again, and the recording is repaired (playable, seekable, duration set) and its set
 * ended — while what the library held before is untouched.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type NodeProcess } from '../bench/node-process.js';
import { publishFromChromium, type BrowserPublisher } from '../helpers/browser-publisher.js';
import { decodesCleanly, ffprobe, hasCues } from '../helpers/ffprobe.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'crash-test-token-0123456789';

interface Row {
  id: number;
  set_id: number;
  file: string;
  status: string;
  duration_ms: number | null;
}

function readLibrary(dataDir: string) {
  const db = new Database(join(dataDir, 'library.sqlite'), { readonly: true });
  try {
    return {
      sets: db.prepare('SELECT id, title, ended_at, end_reason FROM sets ORDER BY id').all() as Array<{ id: number; title: string; ended_at: number | null; end_reason: string | null }>,
      recordings: db.prepare('SELECT id, set_id, file, status, duration_ms FROM recordings ORDER BY id').all() as Row[],
    };
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  let dataDir: string;
  let node: NodeProcess | undefined;
  let publisher: BrowserPublisher | undefined;

  afterAll(async () => {
    await publisher?.close();
    await node?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function live(title: string, seconds: number): Promise<number> {
    const base = node!.baseUrl;
    await fetch(`${base}/api/set`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ title, hashtags: [], description: '' }),
    });
    publisher = await publishFromChromium(base, TOKEN);
    await waitFor('live', async () => ((await (await fetch(`${base}/api/status`)).json()) as { live: boolean }).live, 15_000);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return (Date.now() - started) / 1000;
  }

  it('repairs the recording a SIGKILL interrupted and keeps everything else', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'curbcast-crash-'));
    node = await startNodeProcess({ dataDir, token: TOKEN });

    // A set that ends normally, before the crash.
    await live('Before the crash', 3);
    await publisher!.stop();
    await publisher!.close();
    publisher = undefined;
    await waitFor('first recording finalised', () => readLibrary(dataDir).recordings[0]?.status === 'finalised', 15_000);
    const before = readLibrary(dataDir);

    // The set that is interrupted.
    const recordedSeconds = await live('Interrupted', 10);
    node.killNow();
    await waitFor('node gone', () => node!.exited);
    await publisher!.close();
    publisher = undefined;

    const crashed = readLibrary(dataDir);
    expect(crashed.recordings[1]?.status).toBe('recording');
    expect(crashed.sets[1]?.ended_at).toBeNull();

    // Start again: the node repairs what the crash left before it serves anyone.
    node = await startNodeProcess({ dataDir, token: TOKEN });
    const after = readLibrary(dataDir);
    const repaired = after.recordings[1]!;
    expect(repaired.status).toBe('repaired');
    expect(after.sets[1]).toMatchObject({ title: 'Interrupted', end_reason: expect.stringContaining('interrupted') });
    expect(after.sets[1]?.ended_at).not.toBeNull();

    const path = join(dataDir, repaired.file);
    const probe = await ffprobe(path);
    const duration = Number(probe.format.duration);
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(recordedSeconds - duration, `lost ${recordedSeconds - duration} s`).toBeLessThanOrEqual(2);
    expect(repaired.duration_ms! / 1000).toBeCloseTo(duration, 0);
    expect(await hasCues(path)).toBe(true);
    await decodesCleanly(path, duration / 2);

    // Nothing else in the library was lost or changed.
    expect(after.sets[0]).toEqual(before.sets[0]);
    expect(after.recordings[0]).toEqual(before.recordings[0]);
    await decodesCleanly(join(dataDir, before.recordings[0]!.file));
  });
});
