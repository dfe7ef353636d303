#!/usr/bin/env node
// Entry point for `npm start` and `npx curbcast serve`: runs the compiled node from dist/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

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
  if (!existsSync(cli)) {
    console.error('curbcast: not built yet. Run `npm run build` (npm ci does it for you).');
    process.exit(1);
  }
  const { main } = await import(cli.href);
  await main();
}
