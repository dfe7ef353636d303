/**
 * The node as a process (`node bin/curbcast.js serve`, from dist/: run `npm run build` first):
 * a data folder it cannot write stops it at once with one clear line and exit status 3; SIGTERM
 * while live ends the set, finalises the recording and exits 0 within a few seconds.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../bench/node-process.js';
import { publishH264FromFfmpeg, type FfmpegPublisher } from '../helpers/ffmpeg-publisher.js';
import { ffprobe } from '../helpers/ffprobe.js';
import { canMountTmpfs } from '../helpers/synthetic-media.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'process-faults-token-0123456789';

interface Serve {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function serve(dataDir: string): Serve {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/curbcast.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--ice-host', '127.0.0.1', '--data', dataDir, '--publish-token', TOKEN],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves with the exit, or kills the process and fails after `ms`. */
async function exitWithin(node: Serve, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      node.child.kill('SIGKILL');
      reject(new Error(`still running after ${ms} ms; stderr: ${node.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([node.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('process faults (bin/curbcast.js serve)', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function expectOneClearLine(stderr: string, dataDir: string, reason: string): void {
    expect(stderr).toBe(`curbcast: cannot write to the data folder ${dataDir}: ${reason}\n`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }

  it('refuses a data folder under a file (ENOTDIR): one line on stderr, exit status 3', async () => {
    const dir = await tempDir('curbcast-notdir-');
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const dataDir = join(file, 'data');
    const node = serve(dataDir);
    const { code } = await exitWithin(node, 20_000);
    expect(code).toBe(3);
    expectOneClearLine(node.stderr(), dataDir, 'part of that path is a file, not a folder');
    expect(node.stdout()).not.toContain('Curbcast is running');
  });

  // Root writes through chmod 0500, so a read-only mount is what really refuses it (CI runs as root).
  it.skipIf(!canMountTmpfs())('refuses a data folder on a read-only disk (EROFS): one line, exit status 3', async () => {
    const dataDir = await tempDir('curbcast-rofs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', dataDir]);
    cleanups.push(() => execFileSync('umount', ['-l', dataDir]));
    const node = serve(dataDir);
    const { code } = await exitWithin(node, 20_000);
    expect(code).toBe(3);
    expectOneClearLine(node.stderr(), dataDir, 'the disk is read-only');
  });

  it('on SIGTERM while live: ends the set, finalises the recording, exits 0 within a few seconds', { timeout: 90_000 }, async () => {
    const dataDir = await tempDir('curbcast-sigterm-');
    const node = serve(dataDir);
    cleanups.push(() => node.child.kill('SIGKILL'));
    const printed = await waitFor('the node to print its URLs', () => /Studio \(open on this laptop\):\s+http:\/\/localhost:(\d+)\//.exec(node.stdout()), 30_000);
    const port = Number(printed?.[1]);
    const base = `http://127.0.0.1:${port}`;
    await fetch(`${base}/api/set`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ title: 'Stopped by SIGTERM', hashtags: [], description: '' }),
    });
    const publisher: FfmpegPublisher = await publishH264FromFfmpeg(base, TOKEN);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    await waitFor('live', async () => ((await (await fetch(`${base}/api/status`)).json()) as { live: boolean }).live, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}; node log:\n${readFileSync(join(dataDir, 'logs/node.log'), 'utf8').slice(-3000)}`);
    });
    // A few seconds of real H.264 + Opus on disk (ffmpeg's keyframes come every 2 s).
    await new Promise((resolve) => setTimeout(resolve, 5000));

    const sentAt = Date.now();
    node.child.kill('SIGTERM');
    const { code, signal, at } = await exitWithin(node, 20_000);
    const seconds = (at - sentAt) / 1000;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(seconds, 'seconds from SIGTERM to exit').toBeLessThan(5);
    expect(node.stderr()).toBe('');

    const db = new Database(join(dataDir, 'library.sqlite'), { readonly: true });
    const set = db.prepare('SELECT title, ended_at, end_reason FROM sets').get() as { title: string; ended_at: number | null; end_reason: string };
    const recording = db.prepare('SELECT file, status, duration_ms FROM recordings').get() as { file: string; status: string; duration_ms: number };
    db.close();
    expect(set).toMatchObject({ title: 'Stopped by SIGTERM', end_reason: 'node closing' });
    expect(set.ended_at).not.toBeNull();
    expect(recording.status).toBe('finalised');
    expect(recording.duration_ms).toBeGreaterThan(2000);
    const probe = await ffprobe(join(dataDir, recording.file));
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeCloseTo(recording.duration_ms / 1000, 0);
    process.stderr.write(`[process-faults] SIGTERM → exit 0 in ${seconds} s; recording ${recording.file} finalised, ${recording.duration_ms} ms\n`);
  });
});
