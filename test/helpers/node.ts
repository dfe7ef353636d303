import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type CurbcastNode, type NodeOptions } from '../../server/node.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** A node on 127.0.0.1 with a fresh data folder; ICE restricted to loopback. */
export async function startTestNode(options: Partial<NodeOptions> = {}): Promise<CurbcastNode & { dataDir: string }> {
  // A data folder the caller gives is the caller's to remove; one made here is removed on close.
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'curbcast-test-')));
  const node = await startNode({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    publishToken: TEST_TOKEN,
    ice: { hostAddresses: ['127.0.0.1'] },
    logger: pino({ level: process.env.CURBCAST_TEST_LOG ?? 'silent' }),
    ...options,
  });
  // The node's own fields and getters are reached through the prototype (getters cannot be copied).
  return Object.assign(Object.create(node) as CurbcastNode, {
    dataDir,
    async close() {
      await node.close();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  });
}
