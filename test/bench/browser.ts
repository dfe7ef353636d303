/**
 * Chromium for the bench: the same binary and flags as the tests' launcher (test/helpers/chromium.ts:
 * no DNS, loopback WebRTC, fake devices), but with its profile inside the bench's temp folder and
 * without Playwright's own signal handlers, so that on Ctrl+C the bench alone decides the order of
 * cleanup and every profile folder goes with the temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, chromiumArgs } from '../helpers/chromium.js';
import { topmostProcessesWithArg } from './proc-stats.js';
import { withTimeout } from './stats.js';

export interface BenchBrowser {
  context: BrowserContext;
  /**
   * The browser process (its renderers, GPU and utility processes are its descendants), found by
   * its own --user-data-dir; undefined if it cannot be told apart.
   */
  pid(): number | undefined;
  close(): Promise<void>;
}

export async function launchBenchChromium(tmpRoot: string, extraArgs: string[] = []): Promise<BenchBrowser> {
  const userDataDir = mkdtempSync(join(tmpRoot, 'chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(extraArgs),
    permissions: ['camera', 'microphone'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 30_000,
  });
  let closing: Promise<void> | undefined;
  return {
    context,
    pid() {
      const found = topmostProcessesWithArg(`--user-data-dir=${userDataDir}`);
      return found.length === 1 ? found[0] : undefined;
    },
    close() {
      closing ??= (async () => {
        await withTimeout(context.close(), 15_000, 'closing Chromium').catch(() => undefined);
        rmSync(userDataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
