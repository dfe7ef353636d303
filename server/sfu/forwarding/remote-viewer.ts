import { EventEmitter } from 'node:events';
import type { ViewerSession } from './viewer-host.js';

/**
 * The main thread's side of a viewer whose peer runs in a forwarding thread: what the stage and
 * the HTTP routes hold. Its state follows the thread's messages; close() here tells the thread.
 */
export class RemoteViewer extends EventEmitter<{ connected: []; close: [reason: string] }> implements ViewerSession {
  #connected = false;
  #closed = false;

  constructor(
    readonly id: string,
    readonly thread: number,
    private readonly tellThread: (reason: string) => void,
  ) {
    super();
  }

  get connected(): boolean {
    return this.#connected;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.tellThread(reason);
    this.ended(reason);
  }

  /** The thread says its peer connected. */
  markConnected(): void {
    if (this.#closed || this.#connected) return;
    this.#connected = true;
    this.emit('connected');
  }

  /** The session is over on the thread's side (or the thread is gone): nothing to tell it. */
  ended(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    this.emit('close', reason);
    this.removeAllListeners();
  }
}
