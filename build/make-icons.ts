/**
 * Renders build/icons/*.svg to the PNGs the app and its installers use (committed; run again
 * after editing an SVG: `npm run icons`). Debian's Chromium draws them headless, with a
 * transparent background; nothing is fetched.
 *   icon.svg         → build/icons/<n>x<n>.png for n in 16…1024 (electron-builder: linux icon set,
 *                      mac/win from the 1024/256 ones) and icon.png (512, the window icon)
 *   tray-*.svg       → tray-live.png / tray-offline.png (16, 32 as @2x)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const dir = (name: string) => fileURLToPath(new URL(`icons/${name}`, import.meta.url));
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--force-device-scale-factor=1'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  async function render(svgFile: string, size: number, out: string): Promise<void> {
    const svg = await readFile(dir(svgFile), 'utf8');
    const sized = svg.replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`);
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${sized}`);
    await writeFile(dir(out), await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
  }
  for (const size of SIZES) await render('icon.svg', size, `${size}x${size}.png`);
  await render('icon.svg', 512, 'icon.png');
  for (const state of ['live', 'offline']) {
    await render(`tray-${state}.svg`, 16, `tray-${state}.png`);
    await render(`tray-${state}.svg`, 32, `tray-${state}@2x.png`);
  }
  console.log(`icons written to ${dir('')}`);
} finally {
  await browser.close();
}
