import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The user's app-data folder for Curbcast — the same one Electron's `app.getPath('userData')`
 * gives, so the desktop app and `curbcast serve` share one library.
 */
export function defaultDataDir(env = process.env, platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Curbcast');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Curbcast');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Curbcast');
}

/** The project folder, whether this file runs from source (server/) or compiled (dist/server/). */
export function projectRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const compiled = here.endsWith(`${sep}dist${sep}server${sep}`);
  return join(here, compiled ? '../..' : '..');
}

/** The built pages (vite's output). */
export function defaultPagesDir(): string {
  return join(projectRoot(), 'dist', 'renderer');
}
