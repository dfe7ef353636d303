import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CURBCAST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags that keep Chromium on this machine (no DNS, no Google services), give it a fake camera
 * and microphone, and let WebRTC use 127.0.0.1 candidates (see NOTES-media.md).
 */
export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection',
    // No IPv6: otherwise Chromium's network probing makes the kernel ask for the IPv6 router.
    '--disable-ipv6',
    '--autoplay-policy=no-user-gesture-required',
    ...extra,
  ];
}

export interface LaunchedChromium {
  browser: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context needs a user-data-dir; each launch gets a fresh one and removes it. */
export async function launchChromium(extraArgs: string[] = []): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  const userDataDir = await mkdtemp(join(tmpdir(), 'curbcast-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(extraArgs),
    permissions: ['camera', 'microphone'],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export type { Browser };
