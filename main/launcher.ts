/**
 * `npm start` = `curbcast desktop`: the desktop app when Electron's binary is here, else — in one
 * line saying so — the same node headless, as `curbcast serve` runs it. Plain Node; never
 * requires the 'electron' package (its index.js would try to download the binary).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/** The file-system questions binary detection asks (injected in tests). */
export interface FileProbe {
  readText(path: string): string | undefined;
  exists(path: string): boolean;
}

const realFiles: FileProbe = {
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: (path) => existsSync(path),
};

/**
 * Finds Electron's executable as the electron package itself would (node_modules/electron/index.js),
 * without running it: `path.txt` names the executable inside `dist/` (or inside
 * ELECTRON_OVERRIDE_DIST_PATH); both must be there.
 */
export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env, files: FileProbe = realFiles): ElectronBinary {
  const pkg = join(root, 'node_modules', 'electron');
  if (!files.exists(join(pkg, 'package.json'))) return { found: false, reason: 'the electron package is not installed (run `npm ci`)' };
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const name = files.readText(join(pkg, 'path.txt'))?.trim() || (override ? 'electron' : undefined);
  if (!name) return { found: false, reason: "Electron's binary is not installed here" };
  const path = join(override || join(pkg, 'dist'), name);
  if (!files.exists(path)) return { found: false, reason: `Electron's binary is missing (${path})` };
  return { found: true, path };
}

/** The one line `npm start` prints when it falls back to the headless node. */
export function fallbackLine(reason: string): string {
  return `curbcast: ${reason} (run \`npx install-electron\` where GitHub is reachable); starting the node headless.`;
}

export interface DesktopLaunchDeps {
  env?: NodeJS.ProcessEnv;
  files?: FileProbe;
  /** Runs `curbcast serve` in this process (server/cli.ts). */
  serve: (argv: string[]) => Promise<void>;
  warn?: (line: string) => void;
}

/** Starts the desktop app on the project folder `root`, or the headless node. */
export async function runDesktop(argv: string[], root: string, deps: DesktopLaunchDeps): Promise<'electron' | 'headless'> {
  const env = deps.env ?? process.env;
  const binary = findElectronBinary(root, env, deps.files);
  if (!binary.found) {
    (deps.warn ?? ((line) => process.stderr.write(`${line}\n`)))(fallbackLine(binary.reason));
    await deps.serve(['serve', ...argv]);
    return 'headless';
  }
  const childEnv = { ...env };
  // Set in the environment, it would make Electron a plain Node.
  delete childEnv.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary.path, [root, ...argv], { stdio: 'inherit', env: childEnv });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return 'electron';
}
