#!/usr/bin/env node
// Entry point for `npm start` (`curbcast desktop`) and `curbcast serve`: runs the compiled code in dist/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  // Started by an older system Node: hand over to the Node 22 the project installs from npm.
  let node22;
  try {
    node22 = createRequire(import.meta.url)('node/package.json') && createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    node22 = undefined;
  }
  if (!node22) {
    console.error(`curbcast: Node ${process.versions.node} is too old; Curbcast needs Node 22 or newer (run \`npm ci\` first).`);
    process.exit(1);
  }
  const child = spawn(node22, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const cli = new URL('../dist/server/cli.js', import.meta.url);
  const launcher = new URL('../dist/main/launcher.js', import.meta.url);
  const [command, ...rest] = process.argv.slice(2);
  if (!existsSync(cli) || (command === 'desktop' && !existsSync(launcher))) {
    console.error('curbcast: not built yet. Run `npm run build` (npm ci does it for you).');
    process.exit(1);
  }
  const { main } = await import(cli.href);
  if (command === 'desktop') {
    // The desktop app (Electron) on this project folder, or the headless node where its binary is missing.
    const { runDesktop } = await import(launcher.href);
    await runDesktop(rest, fileURLToPath(new URL('..', import.meta.url)), { serve: main });
  } else {
    await main();
  }
}
