/**
 * The node under test, in its own OS process (`node bin/curbcast.js serve`), so that its CPU and
 * RSS can be read from /proc/<pid> without the bench's own work mixed in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { log, sleep, withTimeout } from './stats.js';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function npmRun(script: string): { ok: boolean; output: string } {
  const result = spawnSync('npm', ['run', script], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

export interface BuildInfo {
  /** What was (re)built for this run, and whether it succeeded. */
  node: 'up-to-date' | 'rebuilt' | 'rebuild-failed';
  pages: Record<'studio' | 'viewer', 'built' | 'rebuilt' | 'rebuild-failed' | 'no-source'>;
}

/**
 * Makes sure dist/ matches the sources: `npm run build:node` when dist/server/cli.js is missing or
 * older than server/ or common/, `npm run build:pages` when a page's source exists and its build
 * is missing or older. A failed rebuild is reported, not fatal (tsc still emits on type errors).
 */
export function ensureBuilt(): BuildInfo {
  const cli = join(ROOT, 'dist/server/cli.js');
  const sourceTime = Math.max(newestMtime(join(ROOT, 'server'), '.ts'), newestMtime(join(ROOT, 'common'), '.ts'));
  let node: BuildInfo['node'] = 'up-to-date';
  if (!existsSync(cli) || statSync(cli).mtimeMs < sourceTime) {
    log(existsSync(cli) ? 'server/ changed since the last build: npm run build:node' : 'dist/server/cli.js missing: npm run build:node');
    const result = npmRun('build:node');
    node = result.ok ? 'rebuilt' : 'rebuild-failed';
    if (!result.ok) log(`build:node failed (continuing with what was emitted):\n${result.output.slice(-2000)}`);
    if (!existsSync(cli)) throw new Error('dist/server/cli.js still missing after `npm run build:node`; fix the build first.');
  }

  const pageState = (page: 'studio' | 'viewer') => {
    const source = join(ROOT, 'renderer', page, 'index.html');
    const built = join(ROOT, 'dist/renderer', page, 'index.html');
    if (!existsSync(source)) return 'no-source' as const;
    const sourceNewest = Math.max(newestMtime(join(ROOT, 'renderer'), ''), newestMtime(join(ROOT, 'common'), '.ts'));
    return existsSync(built) && statSync(built).mtimeMs >= sourceNewest ? ('built' as const) : ('stale' as const);
  };
  const pages: BuildInfo['pages'] = { studio: 'no-source', viewer: 'no-source' };
  const before = { studio: pageState('studio'), viewer: pageState('viewer') };
  if (before.studio === 'stale' || before.viewer === 'stale') {
    log('pages missing or older than renderer/: npm run build:pages');
    const result = npmRun('build:pages');
    if (!result.ok) log(`build:pages failed:\n${result.output.slice(-2000)}`);
    for (const page of ['studio', 'viewer'] as const) {
      if (before[page] === 'stale') pages[page] = result.ok ? 'rebuilt' : 'rebuild-failed';
      else pages[page] = before[page];
    }
  } else {
    pages.studio = before.studio;
    pages.viewer = before.viewer;
  }
  return { node, pages };
}

export interface NodeLogSummary {
  /** Why viewers left, from the node's 'viewer closed' lines: reason → count. */
  viewerCloseReasons: Record<string, number>;
  /** The first warnings and errors the node logged. */
  problems: string[];
  /** How often the recording moved to another simulcast layer ('recorded layer: switching'), and to which. */
  recordedLayerSwitches?: Record<string, number>;
}

/** Reads the node's pino log (JSON lines) for what the bench reports. */
export function summariseNodeLog(dataDir: string): NodeLogSummary {
  const recordedLayerSwitches: Record<string, number> = {};
  const summary: NodeLogSummary = { viewerCloseReasons: {}, problems: [], recordedLayerSwitches };
  let text = '';
  try {
    text = readFileSync(join(dataDir, 'logs/node.log'), 'utf8');
  } catch {
    return summary;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: { level?: number; msg?: string; reason?: string; to?: string; err?: { message?: string }; error?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg === 'viewer closed') {
      const reason = entry.reason ?? '?';
      summary.viewerCloseReasons[reason] = (summary.viewerCloseReasons[reason] ?? 0) + 1;
    }
    if (entry.msg === 'recorded layer: switching') {
      const to = entry.to ?? '?';
      recordedLayerSwitches[to] = (recordedLayerSwitches[to] ?? 0) + 1;
    }
    if ((entry.level ?? 0) >= 40 && summary.problems.length < 20) {
      const detail = entry.err?.message ?? entry.error?.message ?? entry.reason ?? '';
      summary.problems.push(`${entry.msg ?? '?'}${detail ? `: ${detail}` : ''}`.slice(0, 300));
    }
  }
  return summary;
}

export interface NodeProcess {
  pid: number;
  port: number;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** Last lines of the node's log file, for error reports. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous SIGKILL, for signal handlers. */
  killNow(): void;
  exited: boolean;
}

export async function startNodeProcess(options: { dataDir: string; token: string; extraArgs?: string[] }): Promise<NodeProcess> {
  const [major] = process.versions.node.split('.').map(Number);
  // bin/curbcast.js re-executes itself under Node 22 when started by an older Node: then the pid we
  // hold would be the wrapper, not the node. Run the bench with the project's Node 22.
  if ((major ?? 0) < 22) {
    throw new Error(`the bench needs Node 22 (got ${process.versions.node}); run it as \`npm run bench\` or put node_modules/.bin first on PATH`);
  }
  const args = [
    join(ROOT, 'bin/curbcast.js'),
    'serve',
    '--host', '127.0.0.1',
    '--port', '0',
    '--ice-host', '127.0.0.1',
    '--data', options.dataDir,
    '--publish-token', options.token,
    // Every bench viewer comes from 127.0.0.1: lift the per-address caps (a caller's own flags, later, win).
    '--max-viewers-per-ip', '10000',
    '--viewer-joins-per-ip', '10000',
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // debug adds one line per viewer that leaves (with the reason): what logSummary() reads.
    env: { ...process.env, CURBCAST_LOG_LEVEL: process.env.CURBCAST_LOG_LEVEL ?? 'debug' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const logTail = (lines = 30) => {
    try {
      return readFileSync(join(options.dataDir, 'logs/node.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no node.log)';
    }
  };
  const killNow = () => {
    if (!exited) child.kill('SIGKILL');
  };
  const stop = async (graceMs = 3000) => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exit, sleep(graceMs)]);
    if (!exited) {
      child.kill('SIGKILL');
      await Promise.race([exit, sleep(2000)]);
    }
  };

  try {
    const port = await withTimeout(
      (async () => {
        for (;;) {
          const match = /Studio \(open on this laptop\):\s+http:\/\/localhost:(\d+)\/studio\//.exec(stdout);
          if (match) return Number(match[1]);
          if (exited) throw new Error(`the node exited at start:\n${stderr || stdout}`);
          await sleep(50);
        }
      })(),
      15_000,
      'the node to print its URLs',
    );
    if (child.pid === undefined) throw new Error('no pid for the node process');
    return {
      pid: child.pid,
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      logTail,
      stop,
      killNow,
      get exited() {
        return exited;
      },
    };
  } catch (error) {
    await stop(1000);
    throw error;
  }
}
