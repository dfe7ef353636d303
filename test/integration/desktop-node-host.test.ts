/**
 * The desktop app's node host (main/node-host-entry.ts), forked with real Node as Electron's
 * utility process would start it, driven through main's own client (main/node-client.ts): the
 * protocol, the state it reports while a werift publisher is live, ending the set, and shutting
 * down with the recording finalised in the library.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClient, type HostProcess } from '../../main/node-client.js';
import type { NodeState } from '../../main/protocol.js';
import { TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { playWithWerift, publishWithWerift, type TestPublisher, type TestViewer } from '../helpers/werift-client.js';

const ENTRY = join(import.meta.dirname, '..', '..', 'main', 'node-host-entry.ts');

interface Host {
  child: ChildProcess;
  client: NodeClient;
  states: NodeState[];
  dataDir: string;
  exitCode: Promise<number | null>;
}

/** Forks the entry (TypeScript through tsx) on loopback with a fresh data folder, as a parent would. */
async function startHost(): Promise<Host> {
  const dataDir = await mkdtemp(join(tmpdir(), 'curbcast-desktop-'));
  const child = fork(
    ENTRY,
    ['--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--ice-host', '127.0.0.1', '--publish-token', TEST_TOKEN],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, CURBCAST_LOG_LEVEL: 'warn' } },
  );
  const exitCode = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const host: HostProcess = {
    postMessage: (message) => void child.send(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code ?? -1)),
    kill: () => void child.kill('SIGKILL'),
  };
  const client = new NodeClient(host);
  const states: NodeState[] = [];
  client.onState((state) => states.push(state));
  return { child, client, states, dataDir, exitCode };
}

function recordings(dataDir: string): Array<{ status: string; file: string }> {
  const db = new Database(join(dataDir, 'library.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT status, file FROM recordings ORDER BY id').all() as Array<{ status: string; file: string }>;
  } finally {
    db.close();
  }
}

describe('the desktop node host (forked like a utility process)', () => {
  let host: Host | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    if (host && host.child.exitCode === null) host.child.kill('SIGKILL');
    if (host) await rm(host.dataDir, { recursive: true, force: true });
    host = undefined;
  });

  async function goLive(h: Host): Promise<{ base: string; publisher: TestPublisher }> {
    const ready = await h.client.ready;
    const base = `http://127.0.0.1:${new URL(ready.localUrl).port}`;
    const publisher = await publishWithWerift(base, TEST_TOKEN);
    cleanups.push(() => publisher.stop());
    expect(publisher.status).toBe(201);
    publisher.startMedia();
    // Generous: other test runs share the machine's two cores, and ICE + DTLS then take their time.
    await waitFor('state live', () => h.client.state.live, 40_000).catch((error: Error) => {
      throw new Error(`${error.message} (publisher ${publisher.pc.connectionState}, node ${JSON.stringify(h.client.state)})`);
    });
    return { base, publisher };
  }

  it('says ready with working URLs, reports live and viewers, ends the set on end-set with the recording finalised, and stops on shutdown', async () => {
    const h = (host = await startHost());
    const ready = await h.client.ready;
    expect(ready.dataDir).toBe(h.dataDir);
    expect(ready.recordingsDir).toBe(join(h.dataDir, 'recordings'));
    expect(ready.localUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(ready.studioUrl).toBe(`${ready.localUrl}/studio/#token=${encodeURIComponent(TEST_TOKEN)}`);
    expect(ready.viewerUrls).toEqual([`http://127.0.0.1:${new URL(ready.localUrl).port}/`]);
    const base = `http://127.0.0.1:${new URL(ready.localUrl).port}`;
    const status = await fetch(`${base}/api/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ live: false, viewers: 0 });
    expect((await fetch(`${base}/api/studio`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(200);
    await waitFor('the first state', () => h.states.length > 0);
    expect(h.states[0]).toEqual({ live: false, viewers: 0 });

    await goLive(h);
    const viewer: TestViewer = await playWithWerift(base);
    cleanups.push(() => viewer.stop());
    await viewer.waitForPackets(10, 30_000);
    await waitFor('state viewers 1', () => h.client.state.viewers === 1, 30_000);
    expect(h.states).toContainEqual({ live: true, viewers: 0 });
    expect(h.states).toContainEqual({ live: true, viewers: 1 });

    await waitFor('a recording row', () => recordings(h.dataDir).length === 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    h.client.endSet();
    await waitFor('state offline', () => !h.client.state.live, 30_000);
    expect(((await (await fetch(`${base}/api/status`)).json()) as { live: boolean }).live).toBe(false);
    await waitFor('the recording finalised', () => recordings(h.dataDir)[0]?.status === 'finalised', 40_000);

    expect(await h.client.clipFile(999)).toBeNull();

    const started = Date.now();
    expect(await h.client.shutdown(10_000)).toBe('stopped');
    expect(await h.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 140_000);

  it('shutdown while live ends the set, finalises its recording, then says stopped and exits', async () => {
    const h = (host = await startHost());
    await goLive(h);
    await waitFor('a recording row', () => recordings(h.dataDir).length === 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));

    expect(await h.client.shutdown(30_000)).toBe('stopped');
    expect(await h.exitCode).toBe(0);
    const [recording] = recordings(h.dataDir);
    expect(recording?.status).toBe('finalised');
  }, 140_000);

  it('exits on its own when its parent goes away (no orphan node holding the port and the library)', async () => {
    const h = (host = await startHost());
    await h.client.ready;
    h.child.disconnect();
    expect(await h.exitCode).toBe(0);
  }, 60_000);
});
