import { describe, expect, it, vi } from 'vitest';
import { NodeClient } from '../../../main/node-client.js';
import { fakeHost, READY } from './fake-host.js';

describe('NodeClient (main side of the node host protocol)', () => {
  it('resolves ready with the URLs and follows state', async () => {
    const { host, reply } = fakeHost();
    const client = new NodeClient(host);
    const states: unknown[] = [];
    client.onState((state) => states.push(state));
    reply(READY);
    await expect(client.ready).resolves.toMatchObject({ localUrl: 'http://localhost:8788', recordingsDir: '/data/recordings' });
    reply({ type: 'state', live: true, viewers: 3 });
    expect(client.state).toEqual({ live: true, viewers: 3 });
    expect(states).toEqual([{ live: true, viewers: 3 }]);
  });

  it('refuses malformed messages (logged, state unchanged)', () => {
    const { host, reply } = fakeHost();
    const log = vi.fn();
    const client = new NodeClient(host, log);
    reply({ type: 'state', live: 'yes', viewers: -1 });
    reply({ type: 'surprise' });
    reply('ready');
    expect(client.state).toEqual({ live: false, viewers: 0 });
    expect(log).toHaveBeenCalledTimes(3);
  });

  it('rejects ready when the node fails to start or exits first', async () => {
    const failed = fakeHost();
    const a = new NodeClient(failed.host);
    failed.reply({ type: 'failed', message: 'EACCES: data folder not writable' });
    await expect(a.ready).rejects.toThrow('EACCES');
    const died = fakeHost();
    const b = new NodeClient(died.host);
    died.exit(1);
    await expect(b.ready).rejects.toThrow(/exited \(code 1\)/);
  });

  it('asks for clip files by request id and matches the answers', async () => {
    const { host, sent, reply } = fakeHost();
    const client = new NodeClient(host);
    const first = client.clipFile(4);
    const second = client.clipFile(9);
    expect(sent).toEqual([
      { type: 'clip-file', requestId: 1, clipId: 4 },
      { type: 'clip-file', requestId: 2, clipId: 9 },
    ]);
    reply({ type: 'clip-file', requestId: 2, clip: null });
    reply({ type: 'clip-file', requestId: 1, clip: { path: '/data/clips/a.webm', title: 'A' } });
    await expect(first).resolves.toEqual({ path: '/data/clips/a.webm', title: 'A' });
    await expect(second).resolves.toBeNull();
  });

  it('shutdown: sends shutdown and resolves "stopped" on the answer; exit afterwards is expected', async () => {
    const { host, sent, reply, exit } = fakeHost();
    const client = new NodeClient(host);
    const exits: Array<[number, boolean]> = [];
    client.onExit((code, expected) => exits.push([code, expected]));
    const done = client.shutdown(1000);
    expect(sent).toEqual([{ type: 'shutdown' }]);
    reply({ type: 'stopped' });
    await expect(done).resolves.toBe('stopped');
    exit(0);
    expect(exits).toEqual([[0, true]]);
  });

  it('shutdown: kills the node after the timeout', async () => {
    vi.useFakeTimers();
    try {
      const { host } = fakeHost();
      const client = new NodeClient(host);
      const done = client.shutdown(3000);
      await vi.advanceTimersByTimeAsync(3000);
      await expect(done).resolves.toBe('timeout');
      expect(host.kill).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });

  it('an exit nobody asked for is reported as unexpected; pending clip requests get null', async () => {
    const { host, exit } = fakeHost();
    const client = new NodeClient(host);
    const exits: Array<[number, boolean]> = [];
    client.onExit((code, expected) => exits.push([code, expected]));
    const pending = client.clipFile(1);
    exit(134);
    await expect(pending).resolves.toBeNull();
    expect(exits).toEqual([[134, false]]);
    await expect(client.shutdown(1000)).resolves.toBe('exited');
  });
});
