/**
 * The desktop app's node: started by main/main.ts with Electron's `utilityProcess.fork`, or by
 * tests with Node's `child_process.fork`. Same options as `curbcast serve` (server/cli.ts); the
 * protocol is in main/protocol.ts. No 'electron' import: this is plain Node with a parent.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, destination } from 'pino';
import { nodeOptionsFrom, parseServeArgs } from '../server/cli.js';
import { startNode } from '../server/node.js';
import type { HostMessage } from './protocol.js';
import { runNodeHost, type HostChannel } from './node-host.js';

/** Electron's `process.parentPort` in a utility process (typed here so this file needs no Electron types). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function parentChannel(): HostChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message: HostMessage) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
      // Electron ends a utility process with its parent.
      onDisconnect: () => undefined,
    };
  }
  if (process.send) {
    return {
      send: (message: HostMessage) => {
        if (process.connected) process.send!(message);
      },
      onMessage: (listener) => process.on('message', listener),
      onDisconnect: (listener) => process.on('disconnect', listener),
    };
  }
  throw new Error('node-host-entry runs under a parent (Electron utilityProcess or child_process.fork).');
}

const options = parseServeArgs(process.argv.slice(2));
if (options === 'help') throw new Error('node-host-entry takes `curbcast serve` options, not --help.');
const logDir = join(options.dataDir, 'logs');
mkdirSync(logDir, { recursive: true });
const logger = pino(
  { level: process.env.CURBCAST_LOG_LEVEL ?? 'info', base: { process: 'desktop-node' } },
  destination({ dest: join(logDir, 'node.log'), sync: false, mkdir: true }),
);

await runNodeHost({
  channel: parentChannel(),
  dataDir: options.dataDir,
  start: () => startNode(nodeOptionsFrom(options, logger)),
  report: (error, what) => logger.error({ err: error }, what),
  exit: (code) => {
    logger.flush();
    // Give the last IPC message a turn of the loop to leave before the process ends.
    setTimeout(() => process.exit(code), 50);
  },
});
