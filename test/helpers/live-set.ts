import { afterEach, expect } from 'vitest';
import type { NodeOptions } from '../../server/node.js';
import { startTestNode, TEST_TOKEN } from './node.js';
import { publishWithWerift, type TestPublisher, type TestPublisherOptions } from './werift-client.js';
import { waitFor } from './wait.js';

export type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/**
 * For a describe block whose tests each start a node: after each test, what it pushed on
 * `cleanups` is undone (in order, failures ignored), then the node is closed.
 */
export function nodePerTest(): { cleanups: Array<() => Promise<void>>; start(options?: Partial<NodeOptions>): Promise<TestNode> } {
  const cleanups: Array<() => Promise<void>> = [];
  let node: TestNode | undefined;
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    await node?.close();
    node = undefined;
  });
  return {
    cleanups,
    async start(options = {}) {
      node = await startTestNode(options);
      return node;
    },
  };
}

/**
 * Makes `node`'s set live from a werift test publisher sending media; the publisher's stop goes on
 * `cleanups`. The node stays the caller's (closed there, so a failed publish cannot leak it).
 */
export async function liveSetWithWeriftPublisher(
  node: TestNode,
  cleanups: Array<() => Promise<void>>,
  options: TestPublisherOptions = {},
): Promise<{ base: string; publisher: TestPublisher }> {
  const base = `http://127.0.0.1:${node.port}`;
  const publisher = await publishWithWerift(base, TEST_TOKEN, '/whip', options);
  cleanups.push(() => publisher.stop());
  expect(publisher.status).toBe(201);
  publisher.startMedia();
  await waitFor('the set to be live', () => node.sfu.status().live);
  return { base, publisher };
}
