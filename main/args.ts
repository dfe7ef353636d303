import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The desktop app's own options, from Electron's command line (which also carries Chromium's
 * switches and, unpackaged, the app folder): the `curbcast serve` options the node host takes.
 * `--data` defaults to Electron's userData folder — the same folder `curbcast serve` uses.
 */
export function nodeHostArgs(argv: readonly string[], userData: string): string[] {
  const values = desktopOptions(argv);
  const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
  const args = ['--data', text(values.data) ? resolve(values.data) : userData];
  if (text(values.host)) args.push('--host', values.host);
  if (text(values.port)) args.push('--port', values.port);
  if (text(values['publish-token'])) args.push('--publish-token', values['publish-token']);
  const iceHosts = values['ice-host'];
  if (Array.isArray(iceHosts)) for (const host of iceHosts) if (text(host)) args.push('--ice-host', host);
  if (values['no-recording'] === true) args.push('--no-recording');
  // The node's capacity settings, as `curbcast serve` takes them (checked there).
  for (const option of ['ice-ports', 'max-viewers', 'max-viewers-per-ip', 'viewer-joins-per-ip', 'forwarding-threads', 'thread-placement'] as const) {
    const value = values[option];
    if (text(value)) args.push(`--${option}`, value);
  }
  return args;
}

/** `--data <folder>` if given: main makes it Electron's userData too (library, profile and lock in one place). */
export function dataFolderArg(argv: readonly string[]): string | undefined {
  const data = desktopOptions(argv).data;
  return typeof data === 'string' && data.length > 0 ? data : undefined;
}

function desktopOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'publish-token': { type: 'string' },
      'ice-host': { type: 'string', multiple: true },
      'no-recording': { type: 'boolean' },
      'ice-ports': { type: 'string' },
      'max-viewers': { type: 'string' },
      'max-viewers-per-ip': { type: 'string' },
      'viewer-joins-per-ip': { type: 'string' },
      'forwarding-threads': { type: 'string' },
      'thread-placement': { type: 'string' },
    },
  });
  return values;
}

/** The same arguments with `--port` set (a restarted node keeps the address the studio and viewers know). */
export function withPort(args: readonly string[], port: number | undefined): string[] {
  if (port === undefined) return [...args];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') i++;
    else out.push(args[i]!);
  }
  return [...out, '--port', String(port)];
}
