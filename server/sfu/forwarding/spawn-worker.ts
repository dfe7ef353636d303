import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardStart } from './protocol.js';

/**
 * Starts a forwarding thread. Built (dist/*.js), the worker is the compiled forwarding-worker.js.
 * Run from the TypeScript sources (tests, `tsx`), the thread has no TypeScript loader of its own:
 * it registers tsx's before importing the worker, as the main thread did.
 */
export function spawnForwardingWorker(start: ShardStart): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./forwarding-worker.js', here), { workerData: start });
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
  const entry = new URL('./forwarding-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: start });
}
