export type QuitPhase = 'running' | 'asking' | 'stopping' | 'done';
export type QuitOutcome = 'exited' | 'cancelled' | 'ignored';

export interface QuitFlowOptions {
  /** Is a set on air right now? */
  isLive: () => boolean;
  /** Asks the busker (a native dialog); true means "end the set and quit". */
  confirm: () => Promise<boolean>;
  /** Ends the set, finalises the recording, closes the node. */
  stopNode: () => Promise<unknown>;
  /** Leaves the app (app.exit: no more before-quit). */
  exit: () => void;
  /** Longest wait for the node before leaving anyway, ms. */
  timeoutMs: number;
  /** Told of each phase (the tray says "Ending the set and saving…"). */
  onPhase?: (phase: QuitPhase) => void;
  log?: (message: string) => void;
}

/**
 * Quitting, as one small state machine: not live → stop the node → exit; live → ask first
 * (no → keep going) → stop the node, which ends the set and finalises its recording → exit.
 * The node gets `timeoutMs`; a second quit while asking or stopping is ignored (so a busker
 * pressing Ctrl+Q twice never cuts the finalising short).
 */
export class QuitFlow {
  readonly #options: QuitFlowOptions;
  #phase: QuitPhase = 'running';

  constructor(options: QuitFlowOptions) {
    this.#options = options;
  }

  get phase(): QuitPhase {
    return this.#phase;
  }

  async request(): Promise<QuitOutcome> {
    if (this.#phase !== 'running') return 'ignored';
    if (this.#options.isLive()) {
      this.#set('asking');
      let ok = false;
      try {
        ok = await this.#options.confirm();
      } catch (error) {
        this.#options.log?.(`the quit dialog failed: ${(error as Error).message}`);
      }
      if (!ok) {
        this.#set('running');
        return 'cancelled';
      }
    }
    this.#set('stopping');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#options.timeoutMs);
    });
    try {
      const result = await Promise.race([this.#options.stopNode(), timeout]);
      if (result === 'timeout') this.#options.log?.(`the node did not stop within ${this.#options.timeoutMs} ms; quitting anyway`);
    } catch (error) {
      this.#options.log?.(`stopping the node failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    this.#set('done');
    this.#options.exit();
    return 'exited';
  }

  #set(phase: QuitPhase): void {
    this.#phase = phase;
    this.#options.onPhase?.(phase);
  }
}
