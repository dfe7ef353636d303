// Copies what the main process loads at run time (window and tray icons) next to it in dist/main/icons,
// so they travel inside the app.asar with the code (electron-builder keeps build/ out of the app).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('icons/', import.meta.url));
const to = fileURLToPath(new URL('../dist/main/icons/', import.meta.url));
mkdirSync(to, { recursive: true });
copyFileSync(`${from}icon.png`, `${to}app.png`);
for (const name of readdirSync(from)) if (/^tray-.*\.png$/.test(name)) copyFileSync(`${from}${name}`, `${to}${name}`);
