/** The bench's handle on the viewer farm child process. */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddResult, FarmReply, FarmRequest, FarmSnapshot, StopResult } from './farm-protocol.js';
import { sleep, withTimeout } from './stats.js';

type Command = FarmRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface ViewerFarm {
  pid: number;
  add(baseUrl: string, count: number, joinTimeoutMs?: number): Promise<AddResult>;
  /** Viewers of Janus's Streaming mountpoint `mountpoint` (API at `apiUrl`, e.g. http://127.0.0.1:PORT/janus), ICE on `iceAddress`. */
  addJanus(apiUrl: string, mountpoint: number, iceAddress: string, count: number, joinTimeoutMs?: number): Promise<AddResult>;
  snapshot(): Promise<FarmSnapshot>;
  /** DELETEs the `count` newest WHEP sessions and closes their peers. */
  remove(count: number): Promise<StopResult>;
  /** DELETEs every WHEP session and closes every peer. */
  stopViewers(): Promise<StopResult>;
  /** Ends the child (after stopViewers, or without it); resolves when it is gone. */
  close(): Promise<void>;
  killNow(): void;
}

export async function startViewerFarm(): Promise<ViewerFarm> {
  const script = new URL('./viewer-farm.ts', import.meta.url).pathname;
  // The farm's stdout goes to our stderr: our stdout carries only the results.
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let ready: (() => void) | undefined;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (reply: FarmReply) => {
    if (reply.id === 0) return ready?.();
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.result);
    else waiter?.reject(new Error(`viewer farm: ${reply.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`viewer farm exited (${code ?? signal})`));
    pending.clear();
  });

  const request = <T>(command: Command, timeoutMs: number): Promise<T> => {
    if (exited) return Promise.reject(new Error('viewer farm is not running'));
    const id = nextId++;
    const reply = new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    child.send({ ...command, id } as FarmRequest);
    return withTimeout(reply, timeoutMs, `viewer farm ${command.cmd}`).finally(() => pending.delete(id));
  };
  const killNow = () => {
    if (!exited) child.kill('SIGKILL');
  };

  try {
    await withTimeout(Promise.race([readyPromise, exit.then(() => Promise.reject(new Error('viewer farm exited at start')))]), 20_000, 'the viewer farm to start');
  } catch (error) {
    killNow();
    throw error;
  }
  if (child.pid === undefined) throw new Error('no pid for the viewer farm');
  return {
    pid: child.pid,
    // Bounded: each join has its own timeout, plus slack for closing failures.
    add: (baseUrl, count, joinTimeoutMs = 15_000) => request<AddResult>({ cmd: 'add', baseUrl, count, joinTimeoutMs }, count * (joinTimeoutMs + 3000) + 5000),
    addJanus: (apiUrl, mountpoint, iceAddress, count, joinTimeoutMs = 15_000) =>
      request<AddResult>({ cmd: 'addJanus', apiUrl, mountpoint, iceAddress, count, joinTimeoutMs }, count * (joinTimeoutMs + 6000) + 5000),
    snapshot: () => request<FarmSnapshot>({ cmd: 'snapshot' }, 10_000),
    remove: (count) => request<StopResult>({ cmd: 'remove', count }, 15_000),
    stopViewers: () => request<StopResult>({ cmd: 'stop' }, 15_000),
    async close() {
      if (exited) return;
      if (child.connected) child.disconnect();
      await Promise.race([exit, sleep(5000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await Promise.race([exit, sleep(2000)]);
      }
    },
    killNow,
  };
}
