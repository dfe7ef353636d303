/** What run.ts holds of a bench section that starts processes (node, farm, relay, Janus…). */
export interface BenchSection<R> {
  /** Runs the section; whatever it started is stopped before this settles, result or error. */
  run(): Promise<R>;
  /** Undoes whatever is still held (run.ts's own finally, or an interrupted run). */
  cleanup(): Promise<void>;
  /** Synchronous kills, for signal handlers. */
  killNow(): void;
}

/** A section whose run() always cleans up after itself; cleanup and killNow are also handed out as they are. */
export function benchSection<R>(run: () => Promise<R>, cleanup: () => Promise<void>, killNow: () => void): BenchSection<R> {
  return {
    async run() {
      try {
        return await run();
      } finally {
        await cleanup();
      }
    },
    cleanup,
    killNow,
  };
}
