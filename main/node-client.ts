import { HostMessageSchema, type HostMessage, type MainMessage, type NodeState, type ReadyMessage } from './protocol.js';

/**
 * The child that runs the node, as main sees it: Electron's UtilityProcess, or (in tests) a
 * child_process.fork adapter. Only what the client needs, so both fit.
 */
export interface HostProcess {
  postMessage(message: MainMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export type ShutdownResult = 'stopped' | 'exited' | 'timeout';

/**
 * main's handle on the node host: waits for `ready`, follows `state`, asks for clip files, ends
 * the set, and shuts the node down (waiting for `stopped`, with a timeout after which it kills).
 */
export class NodeClient {
  readonly ready: Promise<ReadyMessage>;
  readonly #process: HostProcess;
  readonly #stateListeners = new Set<(state: NodeState) => void>();
  readonly #exitListeners = new Set<(code: number, expected: boolean) => void>();
  readonly #pending = new Map<number, (clip: { path: string; title: string } | null) => void>();
  #state: NodeState = { live: false, viewers: 0 };
  #nextRequest = 1;
  #stopped = false;
  #exited = false;
  #shuttingDown = false;
  #onStopped: (() => void) | undefined;
  #onExit: (() => void) | undefined;

  constructor(process: HostProcess, readonly log: (message: string) => void = () => undefined) {
    this.#process = process;
    let resolveReady!: (ready: ReadyMessage) => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // A rejected `ready` nobody waits for is still handled (exit listeners report it).
    this.ready.catch(() => undefined);
    process.onMessage((raw) => {
      const parsed = HostMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.log(`refused a malformed message from the node: ${parsed.error.message}`);
        return;
      }
      this.#handle(parsed.data, resolveReady, rejectReady);
    });
    process.onExit((code) => {
      this.#exited = true;
      rejectReady(new Error(`the node exited (code ${code}) before it was ready`));
      for (const resolve of this.#pending.values()) resolve(null);
      this.#pending.clear();
      this.#onExit?.();
      for (const listener of this.#exitListeners) listener(code, this.#shuttingDown);
    });
  }

  get state(): NodeState {
    return this.#state;
  }

  get exited(): boolean {
    return this.#exited;
  }

  onState(listener: (state: NodeState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** `expected` is true when the exit followed `shutdown()`. */
  onExit(listener: (code: number, expected: boolean) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  endSet(): void {
    this.#send({ type: 'end-set' });
  }

  /** Where a clip's file is (absolute) and its title; null when there is no such clip. */
  clipFile(clipId: number): Promise<{ path: string; title: string } | null> {
    if (this.#exited) return Promise.resolve(null);
    const requestId = this.#nextRequest++;
    return new Promise((resolve) => {
      this.#pending.set(requestId, resolve);
      this.#send({ type: 'clip-file', requestId, clipId });
    });
  }

  /**
   * Ends the set, lets the node finalise the recording and close the library. Resolves with
   * `stopped` (clean), `exited` (it was gone already or died), or `timeout` (then it is killed).
   */
  shutdown(timeoutMs: number): Promise<ShutdownResult> {
    if (this.#exited) return Promise.resolve(this.#stopped ? 'stopped' : 'exited');
    this.#shuttingDown = true;
    return new Promise<ShutdownResult>((resolve) => {
      const done = (result: ShutdownResult) => {
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.log(`the node did not stop within ${timeoutMs} ms; killing it`);
        done('timeout');
        this.#process.kill();
      }, timeoutMs);
      this.#onStopped = () => done('stopped');
      this.#onExit = () => done(this.#stopped ? 'stopped' : 'exited');
      this.#send({ type: 'shutdown' });
    });
  }

  #send(message: MainMessage): void {
    if (this.#exited) return;
    try {
      this.#process.postMessage(message);
    } catch (error) {
      this.log(`could not message the node: ${(error as Error).message}`);
    }
  }

  #handle(message: HostMessage, resolveReady: (ready: ReadyMessage) => void, rejectReady: (error: Error) => void): void {
    switch (message.type) {
      case 'ready':
        resolveReady(message);
        return;
      case 'failed':
        rejectReady(new Error(message.message));
        return;
      case 'state': {
        const { live, viewers } = message;
        this.#state = { live, viewers };
        for (const listener of this.#stateListeners) listener(this.#state);
        return;
      }
      case 'clip-file':
        this.#pending.get(message.requestId)?.(message.clip);
        this.#pending.delete(message.requestId);
        return;
      case 'stopped':
        this.#stopped = true;
        this.#onStopped?.();
        return;
    }
  }
}
