import { availableParallelism } from 'node:os';
import { levels, type Level, type Logger } from 'pino';
import type { SetTracks } from '../stage.js';
import type { PeerSettings, ShardGauges } from './protocol.js';
import { Shard } from './shard.js';
import { ShardedViewerHost } from './sharded-viewer-host.js';
import { EventLoopMeter, type ThreadPlacement } from './thread-placement.js';

/** A thread that died is replaced after this long (not at once: no crash loop at full speed), ms. */
const RESTART_DELAY_MS = 1000;

/**
 * Forwarding threads for the node's default: one per core beyond the first (the main thread keeps
 * the publisher, the recorder and HTTP), at least one, at most four. On the usual 2-core laptop:
 * one thread for the viewers and the main thread for the rest.
 */
export function defaultForwardingThreads(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores - 1));
}

export interface ForwardingPoolOptions {
  threads: number;
  logger: Logger;
  /** How new viewers are placed on the threads (thread-placement.ts); default `even`. */
  placement?: ThreadPlacement;
}

/** A thread's gauges as the node shows them. */
export interface ShardReport {
  index: number;
  viewers: number;
  /** Event-loop time since the thread started: how busy it is (active / (active + idle)). */
  eventLoop: { activeMs: number; idleMs: number };
}

/**
 * The node's forwarding threads, alive for the node's lifetime. Each live set gets a
 * ShardedViewerHost over them. A thread that dies takes its viewers with it (their players
 * reconnect) and is replaced; the set and the other threads' viewers carry on.
 */
export class ForwardingPool {
  readonly #options: ForwardingPoolOptions;
  readonly #shards: Shard[] = [];
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  /** Each thread's event-loop use over the last second, for placing viewers (`pack` only). */
  readonly #meter = new EventLoopMeter<Shard>((shard) => shard.eventLoop());
  readonly #meterTimer: NodeJS.Timeout | undefined;
  #nextSet = 1;
  #closed = false;

  private constructor(options: ForwardingPoolOptions) {
    this.#options = options;
    // Only `pack` reads how busy the threads are; `even` counts viewers.
    if (this.placement === 'pack') {
      this.#meterTimer = setInterval(() => this.#meter.sample(this.#shards.filter((shard) => shard.alive)), 1000);
      this.#meterTimer.unref();
    }
  }

  /** Starts the threads and waits until each is ready; rejects (and stops them) if one cannot start. */
  static async start(options: ForwardingPoolOptions): Promise<ForwardingPool> {
    const pool = new ForwardingPool(options);
    for (let index = 0; index < options.threads; index++) pool.#shards.push(pool.#spawn(index));
    try {
      await Promise.all(pool.#shards.map((shard) => shard.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get shards(): readonly Shard[] {
    return this.#shards;
  }

  get threads(): number {
    return this.#options.threads;
  }

  get placement(): ThreadPlacement {
    return this.#options.placement ?? 'even';
  }

  /** The thread's event-loop use over the last second, 0–1. */
  busy(shard: Shard): number {
    return this.#meter.busy(shard);
  }

  /** The viewers of a set that just went live. */
  host(set: SetTracks, peers: PeerSettings): ShardedViewerHost {
    return new ShardedViewerHost(this, set, this.#nextSet++, peers);
  }

  /** Every thread's counts, to add to the node's (a thread that does not answer is left out). */
  async gauges(gc: boolean): Promise<ShardGauges[]> {
    const snapshots = await Promise.all(this.#shards.map((shard) => shard.gauges(gc)));
    return snapshots.filter((snapshot): snapshot is ShardGauges => snapshot !== undefined);
  }

  /** Per thread: viewers (from the current set's host) and event-loop use. */
  reports(viewersOn: (shard: Shard) => number): ShardReport[] {
    return this.#shards.map((shard) => {
      const loop = shard.alive ? shard.eventLoop() : { active: 0, idle: 0 };
      return { index: shard.index, viewers: viewersOn(shard), eventLoop: { activeMs: Math.round(loop.active), idleMs: Math.round(loop.idle) } };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#meterTimer);
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    await Promise.all(this.#shards.map((shard) => shard.stop()));
  }

  #spawn(index: number): Shard {
    const logger = this.#options.logger;
    const shard = new Shard({ index, logLevel: logger.level }, (line) => relayLogLine(logger, line));
    shard.once('exit', (reason) => {
      if (this.#closed) return;
      logger.error({ thread: index, reason }, 'forwarding thread stopped; its viewers were dropped; replacing it');
      const timer = setTimeout(() => {
        this.#restartTimers.delete(timer);
        if (this.#closed) return;
        const replacement = this.#spawn(index);
        this.#shards[index] = replacement;
        replacement.ready.catch((error: unknown) => logger.error({ thread: index, error }, 'forwarding thread did not restart'));
      }, RESTART_DELAY_MS);
      this.#restartTimers.add(timer);
    });
    return shard;
  }
}

/** A thread's pino line, written by the node's logger (so it lands in the same log, with its fields). */
function relayLogLine(logger: Logger, line: string): void {
  try {
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const name = ((typeof level === 'number' && levels.labels[level]) || 'info') as Level;
    logger[name](fields, typeof msg === 'string' ? msg : '');
  } catch {
    logger.warn({ line }, 'forwarding thread: unreadable log line');
  }
}
