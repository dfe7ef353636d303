import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, destination } from 'pino';
import { startNode, DEFAULT_PORT } from './node.js';
import { defaultDataDir } from './paths.js';

const USAGE = `Usage: curbcast serve [options]

Starts the local node: the studio, the viewer page, WHIP/WHEP and the SFU.

Options:
  --host <address>          interface to listen on (default 0.0.0.0: phones on this network can watch)
  --port <number>           port (default ${DEFAULT_PORT}, or a free one if taken; 0 = any free port)
  --data <folder>           data folder (default: ${defaultDataDir()})
  --publish-token <token>   token needed to go live (default: made once, kept in the data folder);
                            CURBCAST_PUBLISH_TOKEN works the same
  --ice-host <address>      advertise media on this address only (repeatable; e.g. 127.0.0.1)
  --no-recording            do not record sets to disk (they are still listed in the library)
  -h, --help                this text
`;

export interface ServeOptions {
  host: string;
  port: number | undefined;
  dataDir: string;
  publishToken: string | undefined;
  iceHosts: string[] | undefined;
  record: boolean;
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
      'no-recording': { type: 'boolean' },
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
    record: !values['no-recording'],
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
  mkdirSync(logDir, { recursive: true });
  const logger = pino(
    { level: process.env.CURBCAST_LOG_LEVEL ?? 'info' },
    destination({ dest: join(logDir, 'node.log'), sync: false, mkdir: true }),
  );
  const node = await startNode({
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    publishToken: options.publishToken,
    ice: { hostAddresses: options.iceHosts },
    archive: { record: options.record },
    logger,
  });
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
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void node.close().then(() => {
      logger.flush();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
