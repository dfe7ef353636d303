/**
 * A node in its own process, started from the sources with any NodeOptions (tests that need short
 * timeouts, `--expose-gc`, or RSS without the test runner's own memory mixed in).
 *
 *   node --expose-gc --import tsx test/helpers/node-child.ts '<json: Partial<NodeOptions>>'
 *
 * Prints one line `CURBCAST_NODE {"port":…,"pid":…}` on stdout when listening; SIGTERM closes it.
 * The log goes to <dataDir>/logs/node.log (level CURBCAST_LOG_LEVEL, default info).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pino, destination } from 'pino';
import { startNode, type NodeOptions } from '../../server/node.js';

export interface ChildNode {
  pid: number;
  port: number;
  baseUrl: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

type ChildOptions = Omit<NodeOptions, 'logger' | 'clock'>;

/** Starts this file as a child process (Node flags such as --expose-gc in `execArgv`). */
export async function startChildNode(options: ChildOptions, execArgv: string[] = []): Promise<ChildNode> {
  const script = new URL(import.meta.url).pathname;
  const child = spawn(process.execPath, [...execArgv, '--import', 'tsx', script, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (graceMs = 5000) => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exit, new Promise((r) => setTimeout(r, graceMs))]);
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /^CURBCAST_NODE (\{.*\})$/m.exec(stdout);
    if (match) {
      const { port, pid } = JSON.parse(match[1]!) as { port: number; pid: number };
      return { pid, port, baseUrl: `http://127.0.0.1:${port}`, child, stop };
    }
    if (exited || Date.now() > deadline) {
      await stop(1000);
      throw new Error(`the child node did not start:\n${stderr || stdout}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runChild(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const logger = pino(
    { level: process.env.CURBCAST_LOG_LEVEL ?? 'info' },
    destination({ dest: join(options.dataDir, 'logs/node.log'), sync: false, mkdir: true }),
  );
  const node = await startNode({ host: '127.0.0.1', port: 0, ice: { hostAddresses: ['127.0.0.1'] }, ...options, logger });
  process.stdout.write(`CURBCAST_NODE ${JSON.stringify({ port: node.port, pid: process.pid })}\n`);
  const stop = () => void node.close().then(() => (logger.flush(), process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await runChild();
