import { accessSync, constants, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, destination, type Logger } from 'pino';
import { startNode, DEFAULT_PORT, type NodeOptions } from './node.js';
import { defaultDataDir } from './paths.js';
import type { ViewerLimits } from './http/viewer-admission.js';
import { THREAD_PLACEMENTS, type ThreadPlacement } from './sfu/forwarding/thread-placement.js';

const USAGE = `Usage: curbcast serve [options]

Starts the local node: the studio, the viewer page, WHIP/WHEP and the SFU.

Options:
  --host <address>          interface to listen on (default 0.0.0.0: phones on this network can watch)
  --port <number>           port (default ${DEFAULT_PORT}, or a free one if taken; 0 = any free port)
  --data <folder>           data folder (default: ${defaultDataDir()})
  --publish-token <token>   token needed to go live (default: made once, kept in the data folder);
                            CURBCAST_PUBLISH_TOKEN works the same
  --ice-host <address>      advertise media on this address only (repeatable; e.g. 127.0.0.1)
  --ice-ports <lo-hi>       take media (UDP) ports from this range only, e.g. 40000-40299, for a
                            firewall rule (default: any free port); each peer — the publisher,
                            every viewer, the relay — holds one, so leave room for your audience
  --forwarding-threads <n>  threads that send the set to viewers (default: one per core beyond
                            the first, 1–4; 0 = all on the main thread)
  --thread-placement <how>  even (default): each viewer to the forwarding thread with the fewest;
                            pack: fill one thread until it is half busy, then the next
  --no-recording            do not record sets to disk (they are still listed in the library)
  --max-viewers <number>    most viewers at once (default 150); more see "the laptop is full"
  --max-viewers-per-ip <n>  most viewers at once from one network address (default 8; phones
                            behind one carrier NAT or café Wi-Fi share one, so be generous)
  --viewer-joins-per-ip <n> new viewer sessions per 10 s from one address (default 10); more get
                            "the laptop is full" (429) until the next is allowed
  -h, --help                this text

Exit status: 0 stopped (Ctrl+C / SIGTERM: the set is ended and its recording finalised first),
2 bad options, 3 the data folder cannot be written, 1 any other failure to start.
`;

/** Exit statuses a launcher (the desktop app, a service manager) can tell apart. */
export const EXIT = { ok: 0, failed: 1, usage: 2, dataFolder: 3 } as const;

/**
 * Longest wait for a clean stop (set ended, recording finalised) before exiting anyway, ms. The
 * remux copies packets (~0.1 s per 20 s of video), so even a long set fits; a recording cut short
 * here is left as 'recording' and repaired at the next start, like after a crash.
 */
const STOP_DEADLINE_MS = 30_000;

export interface ServeOptions {
  host: string;
  port: number | undefined;
  dataDir: string;
  publishToken: string | undefined;
  iceHosts: string[] | undefined;
  /** UDP ports for media, inclusive (`--ice-ports LO-HI`); undefined: any free port. */
  icePorts: [number, number] | undefined;
  record: boolean;
  maxViewers: number | undefined;
  maxViewersPerIp: number | undefined;
  viewerJoinsPerIp: number | undefined;
  /** `--forwarding-threads`; undefined: the node's default for this machine. */
  forwardingThreads: number | undefined;
  /** `--thread-placement`; undefined: `even`. */
  threadPlacement: ThreadPlacement | undefined;
}

/** Parses `serve`'s arguments; throws with a message a person can act on. */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      'publish-token': { type: 'string' },
      'ice-host': { type: 'string', multiple: true },
      'ice-ports': { type: 'string' },
      'no-recording': { type: 'boolean' },
      'max-viewers': { type: 'string' },
      'max-viewers-per-ip': { type: 'string' },
      'viewer-joins-per-ip': { type: 'string' },
      'forwarding-threads': { type: 'string' },
      'thread-placement': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve' || positionals.length > 1) throw new Error(`Unknown command "${positionals.join(' ')}".`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, not "${values.port}".`);
  }
  const publishToken = values['publish-token'] ?? env.CURBCAST_PUBLISH_TOKEN;
  if (publishToken !== undefined && publishToken.length < 16) {
    throw new Error('The publish token must be at least 16 characters (anyone who guesses it can go live as you).');
  }
  return {
    host: values.host ?? '0.0.0.0',
    port,
    dataDir: values.data ?? env.CURBCAST_DATA ?? defaultDataDir(),
    publishToken,
    iceHosts: values['ice-host'],
    icePorts: portRange(values['ice-ports']),
    record: !values['no-recording'],
    maxViewers: positiveCount(values['max-viewers'], '--max-viewers'),
    maxViewersPerIp: positiveCount(values['max-viewers-per-ip'], '--max-viewers-per-ip'),
    viewerJoinsPerIp: positiveCount(values['viewer-joins-per-ip'], '--viewer-joins-per-ip'),
    forwardingThreads: threadCount(values['forwarding-threads']),
    threadPlacement: placementOf(values['thread-placement']),
  };
}

function placementOf(value: string | undefined): ThreadPlacement | undefined {
  if (value === undefined) return undefined;
  const placement = THREAD_PLACEMENTS.find((known) => known === value);
  if (!placement) throw new Error(`--thread-placement must be ${THREAD_PLACEMENTS.join(' or ')}, not "${value}".`);
  return placement;
}

/** The per-address caps given on the command line (the rest keep their defaults). */
function viewerLimitsOf(options: ServeOptions): Partial<ViewerLimits> {
  const limits: Partial<ViewerLimits> = {};
  if (options.maxViewersPerIp !== undefined) limits.perIp = options.maxViewersPerIp;
  // n per 10 s: a burst of n, then one every 10 s / n.
  if (options.viewerJoinsPerIp !== undefined) Object.assign(limits, { burstPerIp: options.viewerJoinsPerIp, refillMs: 10_000 / options.viewerJoinsPerIp });
  return limits;
}

/** `--forwarding-threads N`: 0 (the main thread) to 16. */
function threadCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count > 16) throw new Error(`--forwarding-threads must be a whole number from 0 to 16, not "${value}".`);
  return count;
}

/** `--ice-ports LO-HI`: an inclusive range of unprivileged UDP ports. */
function portRange(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (!match || low < 1024 || high > 65535) {
    throw new Error(`--ice-ports must be a range of UDP ports like 40000-40299, each from 1024 to 65535, not "${value}".`);
  }
  if (low > high) throw new Error(`--ice-ports must give the lower port first (${high}-${low}), not "${value}".`);
  return [low, high];
}

function positiveCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new Error(`${flag} must be a whole number from 1 to 10000, not "${value}".`);
  return count;
}

/** The node's options from `curbcast serve`'s: one mapping for the CLI and the desktop app's node host. */
export function nodeOptionsFrom(options: ServeOptions, logger: Logger): NodeOptions {
  return {
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    publishToken: options.publishToken,
    ice: { hostAddresses: options.iceHosts, portRange: options.icePorts },
    archive: { record: options.record },
    maxViewers: options.maxViewers,
    forwardingThreads: options.forwardingThreads,
    threadPlacement: options.threadPlacement,
    viewerLimits: viewerLimitsOf(options),
    logger,
  };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let options: ServeOptions | 'help';
  try {
    options = parseServeArgs(argv);
  } catch (error) {
    process.stderr.write(`curbcast: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const logDir = join(options.dataDir, 'logs');
  const problem = dataFolderProblem(options.dataDir);
  if (problem) {
    process.stderr.write(`curbcast: cannot write to the data folder ${options.dataDir}: ${problem}\n`);
    process.exitCode = EXIT.dataFolder;
    return;
  }
  const logger = pino(
    { level: process.env.CURBCAST_LOG_LEVEL ?? 'info' },
    destination({ dest: join(logDir, 'node.log'), sync: false, mkdir: true }),
  );
  const node = await startNode(nodeOptionsFrom(options, logger)).catch((error: unknown) => startFailed(error, options, logger));
  if (!node) return;
  const tokenWhere = node.tokenPath
    ? `kept in ${node.tokenPath}`
    : 'given on the command line / CURBCAST_PUBLISH_TOKEN';
  process.stdout.write(
    [
      'Curbcast is running.',
      `  Studio (open on this laptop):  ${node.studioUrl}`,
      `  Viewers (phones on this network): ${node.viewerUrls[0] ?? node.localUrl}`,
      ...node.viewerUrls.slice(1).map((url) => `                                   ${url}`),
      `  Publish token: ${tokenWhere}`,
      `  WHIP for OBS: ${node.localUrl}/whip  (Bearer token = the publish token)`,
      `  Data folder: ${options.dataDir}${options.record ? '' : '  (recording off)'}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl+C: the busker wants out now (start-up repair finishes the recording next time).
      logger.warn({ signal }, 'stopping at once');
      logger.flush();
      process.exit(EXIT.failed);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Ending the set and finalising its recording normally takes well under a second; never hang on it.
    setTimeout(() => {
      logger.error({ signal, ms: STOP_DEADLINE_MS }, 'clean stop took too long; exiting anyway');
      logger.flush();
      process.exit(EXIT.failed);
    }, STOP_DEADLINE_MS).unref();
    node.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(EXIT.ok);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stopping failed');
        logger.flush();
        process.exit(EXIT.failed);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Says in one line why the node could not start (no stack trace: the log has it) and sets the exit status. */
function startFailed(error: unknown, options: ServeOptions, logger: Logger): undefined {
  logger.fatal({ err: error }, 'could not start');
  logger.flush();
  const code = (error as NodeJS.ErrnoException).code;
  const folder = code ? FOLDER_ERRORS[code] : undefined;
  if (folder) {
    process.stderr.write(`curbcast: cannot write to the data folder ${options.dataDir}: ${folder}\n`);
    process.exitCode = EXIT.dataFolder;
  } else {
    const hint = code === 'EADDRINUSE' ? ` (port ${options.port} is taken: try another --port, or 0 for any free one)` : '';
    process.stderr.write(`curbcast: could not start: ${(error as Error).message}${hint}\n`);
    process.exitCode = EXIT.failed;
  }
  // Whatever opened before the failure (a timer, the database) must not keep the process alive.
  setTimeout(() => process.exit(), 500).unref();
  return undefined;
}

/** Why the node could not write here, in words; the error codes a data folder problem gives. */
const FOLDER_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the disk is read-only',
  ENOTDIR: 'part of that path is a file, not a folder',
  EEXIST: 'that is a file, not a folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

/**
 * Checks, before anything is opened, that the data folder can be made and written (access(W_OK)
 * alone is not enough: root passes it on a read-only mount). Returns the reason, or undefined.
 */
export function dataFolderProblem(dataDir: string): string | undefined {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (code && FOLDER_ERRORS[code]) || (error as Error).message;
  }
}
