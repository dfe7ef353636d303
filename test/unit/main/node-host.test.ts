import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { runNodeHost, type HostChannel } from '../../../main/node-host.js';
import type { HostMessage } from '../../../main/protocol.js';
import { openLibraryDatabase } from '../../../server/library/database.js';
import type { CurbcastNode } from '../../../server/node.js';

/** Just enough of a node: an SFU that emits status/viewers, a stage to end, a library, close(). */
function fakeNode() {
  const sfu = Object.assign(new EventEmitter(), {
    live: false,
    viewers: 0,
    stage: undefined as { close: (reason: string) => void } | undefined,
    status() {
      return { live: this.live, viewers: this.viewers };
    },
  });
  const close = vi.fn(async () => undefined);
  const node = {
    localUrl: 'http://localhost:8788',
    studioUrl: 'http://localhost:8788/studio/#token=t',
    viewerUrls: ['http://127.0.0.1:8788/'],
    sfu,
    db: openLibraryDatabase(':memory:'),
    close,
  } as unknown as CurbcastNode;
  return { node, sfu, close };
}

function channel() {
  const sent: HostMessage[] = [];
  let receive: ((message: unknown) => void) | undefined;
  let disconnect: (() => void) | undefined;
  const ch: HostChannel = {
    send: (message) => void sent.push(message),
    onMessage: (listener) => void (receive = listener),
    onDisconnect: (listener) => void (disconnect = listener),
  };
  return { ch, sent, receive: (m: unknown) => receive?.(m), disconnect: () => disconnect?.() };
}

describe('the node host (protocol side of main/node-host-entry.ts)', () => {
  it('says ready with the data folder, then state once per change', async () => {
    const { node, sfu } = fakeNode();
    const { ch, sent } = channel();
    await runNodeHost({ channel: ch, start: async () => node, dataDir: '/data', exit: vi.fn() });
    expect(sent[0]).toMatchObject({ type: 'ready', localUrl: 'http://localhost:8788', dataDir: '/data', recordingsDir: expect.stringMatching(/[\\/]data[\\/]recordings$/) });
    expect(sent[1]).toEqual({ type: 'state', live: false, viewers: 0 });
    sfu.emit('status');
    expect(sent).toHaveLength(2); // nothing changed
    sfu.live = true;
    sfu.emit('status');
    sfu.viewers = 4;
    sfu.emit('viewers', 4);
    expect(sent.slice(2)).toEqual([
      { type: 'state', live: true, viewers: 0 },
      { type: 'state', live: true, viewers: 4 },
    ]);
  });

  it('end-set closes the live stage; clip-file answers from the library; malformed messages are refused', async () => {
    const { node, sfu } = fakeNode();
    const { ch, sent, receive } = channel();
    const report = vi.fn();
    await runNodeHost({ channel: ch, start: async () => node, dataDir: '/data', exit: vi.fn(), report });
    const close = vi.fn();
    sfu.stage = { close };
    receive({ type: 'end-set' });
    expect(close).toHaveBeenCalledWith('ended from the desktop app');
    receive({ type: 'clip-file', requestId: 7, clipId: 3 });
    expect(sent.at(-1)).toEqual({ type: 'clip-file', requestId: 7, clip: null });
    receive({ type: 'rm -rf' });
    receive({ type: 'clip-file', requestId: 'x', clipId: -1 });
    expect(report).toHaveBeenCalledTimes(2);
  });

  it('shutdown closes the node (which finalises the recording), says stopped, exits 0 — once', async () => {
    const { node, close } = fakeNode();
    const { ch, sent, receive } = channel();
    const exit = vi.fn();
    await runNodeHost({ channel: ch, start: async () => node, dataDir: '/data', exit });
    receive({ type: 'shutdown' });
    receive({ type: 'shutdown' });
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(close).toHaveBeenCalledOnce();
    expect(sent.filter((m) => m.type === 'stopped')).toHaveLength(1);
  });

  it('a shutdown during start-up closes the node once it is up, without saying ready', async () => {
    const { node, close } = fakeNode();
    const { ch, sent, receive } = channel();
    let finishStart!: () => void;
    const exit = vi.fn();
    const running = runNodeHost({ channel: ch, start: () => new Promise((resolve) => (finishStart = () => resolve(node))), dataDir: '/data', exit });
    receive({ type: 'shutdown' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(exit).not.toHaveBeenCalled(); // waits for the node rather than leaving it half-open
    finishStart();
    await running;
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(close).toHaveBeenCalledOnce();
    expect(close.mock.invocationCallOrder[0]!).toBeLessThan(exit.mock.invocationCallOrder[0]!);
    expect(sent.map((m) => m.type)).toEqual(['stopped']);
  });

  it('the parent going away is a shutdown', async () => {
    const { node, close } = fakeNode();
    const { ch, disconnect } = channel();
    const exit = vi.fn();
    await runNodeHost({ channel: ch, start: async () => node, dataDir: '/data', exit });
    disconnect();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(close).toHaveBeenCalledOnce();
  });

  it('a node that cannot start says failed (with the reason) and exits 1', async () => {
    const { ch, sent } = channel();
    const exit = vi.fn();
    await runNodeHost({ channel: ch, start: async () => Promise.reject(new Error('EADDRINUSE')), dataDir: '/data', exit });
    expect(sent).toEqual([{ type: 'failed', message: 'EADDRINUSE' }]);
    expect(exit).toHaveBeenCalledWith(1);
  });
});
