import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

/**
 * A real coturn (Debian's `turnserver`) for tests, on 127.0.0.1 only: its own free port, its own
 * relay port range, its own config, pid file and user database in a temporary folder — never the
 * system's /etc/turnserver.conf or a coturn service on 3478 (the Debian package installs one,
 * which containers without systemd do not start).
 */
export const TURNSERVER = process.env.CURBCAST_TURNSERVER ?? 'turnserver';

/** Why a test cannot run coturn here, or undefined when it can. */
export function whyNoCoturn(): string | undefined {
  const probe = spawnSync(TURNSERVER, ['--help'], { stdio: 'ignore', timeout: 10_000 });
  if (probe.error) return `coturn's ${TURNSERVER} is not installed (Debian: apt-get install -y coturn)`;
  return undefined;
}

export interface Coturn {
  port: number;
  realm: string;
  /** Everything coturn logged so far. */
  log(): string;
  close(): Promise<void>;
}

export interface CoturnOptions {
  /** `use-auth-secret` + `static-auth-secret`: TURN REST credentials. */
  secret: string;
  realm?: string;
  /** Allocations may not live longer than this (coturn's max-allocate-lifetime), seconds. */
  maxAllocateLifetime?: number;
}

export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const realm = options.realm ?? 'curbcast.test';
  const folder = await mkdtemp(join(tmpdir(), 'curbcast-coturn-'));
  const port = await freePort();
  // A relay range of its own, away from the usual ephemeral ports of werift and Chromium.
  const minPort = 40_000 + Math.floor(Math.random() * 180) * 100;
  const config = [
    'listening-ip=127.0.0.1',
    `listening-port=${port}`,
    'relay-ip=127.0.0.1',
    `min-port=${minPort}`,
    `max-port=${minPort + 99}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${realm}`,
    // The node's host candidate is 127.0.0.1 in tests: coturn refuses loopback peers unless told.
    'allow-loopback-peers',
    'no-multicast-peers',
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-rfc5780',
    'no-software-attribute',
    ...(options.maxAllocateLifetime ? [`max-allocate-lifetime=${options.maxAllocateLifetime}`] : []),
    // Verbose: tests read allocations ("ALLOCATE processed, success") from the log.
    'verbose',
    'log-file=stdout',
    'simple-log',
    `pidfile=${join(folder, 'turnserver.pid')}`,
    `userdb=${join(folder, 'turndb')}`,
  ].join('\n');
  const configPath = join(folder, 'turnserver.conf');
  await writeFile(configPath, `${config}\n`, { mode: 0o600 });

  let output = '';
  const child: ChildProcess = spawn(TURNSERVER, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const close = async () => {
    if (!gone) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitFor('coturn answering STUN', async () => {
      if (gone) throw new Error(`turnserver exited:\n${output}`);
      return stunAnswers(port);
    }, 15_000, 200);
  } catch (error) {
    await close();
    throw error;
  }
  return { port, realm, log: () => output, close };
}

/** A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port for coturn');
}

/** One STUN Binding request (RFC 5389) to 127.0.0.1:port; true when anything answers within 500 ms. */
function stunAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.once('message', () => done(true));
    socket.once('error', () => done(false));
    socket.send(request, port, '127.0.0.1');
  });
}
