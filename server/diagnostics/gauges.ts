import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Audience } from '../audience/audience.js';
import type { ClipExporter } from '../clips/clip-exporter.js';
import type { SetArchive } from '../record/archive.js';
import type { Sfu } from '../sfu/sfu.js';
import type { ShardGauges } from '../sfu/forwarding/protocol.js';

/**
 * Counts of the node's own long-lived objects, by kind: how many are open (constructed and not
 * yet closed) and how many are still in memory (constructed and not yet garbage-collected — a
 * closed object something still points at is a leak, and only this count shows it).
 *
 * Owners call `track(kind, this)` when they start and the returned release when they close (it is
 * idempotent, so it can sit in an idempotent close()). Cheap: two map updates per object.
 */
export class InstanceRegistry {
  readonly #open = new Map<string, number>();
  readonly #inMemory = new Map<string, number>();
  readonly #finalizer = new FinalizationRegistry<string>((kind) => bump(this.#inMemory, kind, -1));

  track(kind: string, owner: object): () => void {
    bump(this.#open, kind, 1);
    bump(this.#inMemory, kind, 1);
    this.#finalizer.register(owner, kind);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.#open, kind, -1);
    };
  }

  /** Open objects by kind (kinds seen once stay listed, at 0). */
  open(): Record<string, number> {
    return Object.fromEntries([...this.#open].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Objects not yet garbage-collected, by kind; meaningful after a forced GC. */
  inMemory(): Record<string, number> {
    return Object.fromEntries([...this.#inMemory].sort(([a], [b]) => a.localeCompare(b)));
  }
}

function bump(map: Map<string, number>, kind: string, by: number): void {
  map.set(kind, (map.get(kind) ?? 0) + by);
}

/**
 * The one registry of the process. Kinds: `publisher`, `viewer` (werift peers owned by the SFU),
 * `connect-timer`, `silence-watch` (the peers' own timers), `events-socket` (with its heartbeat),
 * `relay-session` (the relay's WHIP client peer, server/relay/).
 */
export const instances = new InstanceRegistry();

export interface GaugeSources {
  sfu: Sfu;
  archive: SetArchive;
  audience: Audience;
  exporter?: ClipExporter;
  server: Server;
}

export interface Gauges {
  at: string;
  pid: number;
  uptimeSeconds: number;
  /** Whether a garbage collection ran just before (`?gc=1` on a node started with --expose-gc). */
  gcForced: boolean;
  sfu: {
    live: boolean;
    /** A stage exists (live, or a publisher still negotiating). */
    stage: boolean;
    /** Viewer sessions, connected or still negotiating. */
    viewerSessions: number;
    /** Viewers whose media flows. */
    viewersConnected: number;
    /**
     * The set's video layers, lowest first (one without simulcast; rid '' then): size from the last
     * VP8 keyframe, smoothed bitrate, whether it flows, and how many viewers are sent it now.
     */
    layers: Array<{ id: string; width: number | null; height: number | null; kbps: number; active: boolean; viewers: number }>;
    /**
     * Where viewers run: the forwarding threads (none: the main thread), each with its viewer
     * sessions and its event loop's active and idle time since it started (a benchmark diffs two
     * readings to get how busy each thread was). `main` is the main thread's.
     */
    forwarding: {
      threads: Array<{ index: number; viewers: number; eventLoop: { activeMs: number; idleMs: number } }>;
      main: { activeMs: number; idleMs: number };
      /** Packets the threads dropped because they fell behind (stale-packets.ts), since they started. */
      shedPackets: { audio: number; video: number };
    };
  };
  /** Open objects by kind (see `instances`), the forwarding threads' included. */
  open: Record<string, number>;
  /** Objects still in memory by kind (closed ones included until collected). */
  inMemory: Record<string, number>;
  /** Our timers: connect timeouts, silence watches and socket heartbeats now armed. */
  timers: { connect: number; silence: number; heartbeat: number; total: number };
  sockets: {
    /** Open events WebSockets. */
    events: number;
    /** TCP connections the HTTP server holds (events sockets included). */
    http: number;
  };
  /** Listeners on the long-lived emitters, all events together. */
  listeners: Record<string, number>;
  /** process.getActiveResourcesInfo() by type, every thread's: UDPWrap (werift's sockets), Timeout, TCPSocketWrap… */
  resources: Record<string, number>;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}

/** Forces a full collection, twice with a turn between so FinalizationRegistry callbacks run. */
export async function forceGc(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  await nextTurn();
  gc();
  await nextTurn();
  return true;
}

export async function collectGauges(sources: GaugeSources, options: { gc?: boolean } = {}): Promise<Gauges> {
  const { sfu, archive, audience, exporter, server } = sources;
  // The threads first, so their collection and the main thread's happen together.
  const threadGauges = (await sfu.forwarding?.gauges(options.gc ?? false)) ?? [];
  const gcForced = options.gc ? await forceGc() : false;
  const stage = sfu.stage;
  const open = sumCounts([instances.open(), ...threadGauges.map((thread) => thread.open)]);
  const timers = {
    connect: open['connect-timer'] ?? 0,
    silence: open['silence-watch'] ?? 0,
    heartbeat: open['events-socket'] ?? 0,
    total: 0,
  };
  timers.total = timers.connect + timers.silence + timers.heartbeat;
  const http = await new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? -1 : count)));
  const emitters: Record<string, EventEmitter | undefined> = {
    sfu,
    stage,
    archive,
    exporter,
    chat: audience.chat,
    chatRules: audience.rules,
    markers: audience.markers,
    scheduler: audience.scheduler,
    profile: audience.profile,
    gallery: audience.gallery,
  };
  const listeners: Record<string, number> = {};
  for (const [name, emitter] of Object.entries(emitters)) if (emitter) listeners[name] = listenerTotal(emitter);
  const ownResources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) ownResources[type] = (ownResources[type] ?? 0) + 1;
  const resources = sumCounts([ownResources, ...threadGauges.map((thread) => thread.resources)]);
  const memory = process.memoryUsage();
  return {
    at: new Date().toISOString(),
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime()),
    gcForced,
    sfu: {
      live: sfu.status().live,
      stage: stage !== undefined,
      viewerSessions: stage?.sessionCount ?? 0,
      viewersConnected: stage?.viewerCount ?? 0,
      layers: layerGauges(stage),
      forwarding: forwardingGauges(sfu, threadGauges),
    },
    open,
    inMemory: sumCounts([instances.inMemory(), ...threadGauges.map((thread) => thread.inMemory)]),
    timers,
    sockets: { events: audience.hub.size, http },
    listeners,
    resources,
    memory: {
      rss: memory.rss,
      // Every thread's heap: viewers live in the forwarding threads' (rss is the whole process's).
      heapUsed: memory.heapUsed + threadGauges.reduce((sum, thread) => sum + thread.heapUsed, 0),
      heapTotal: memory.heapTotal + threadGauges.reduce((sum, thread) => sum + thread.heapTotal, 0),
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
    },
  };
}

function layerGauges(stage: Sfu['stage']): Gauges['sfu']['layers'] {
  const layers = stage?.videoLayers?.all ?? [];
  const sent = [...(stage?.viewerLayers().values() ?? [])];
  return layers.map((layer) => ({
    id: layer.id,
    width: layer.width ?? null,
    height: layer.height ?? null,
    kbps: Math.round(layer.bitrate / 1000),
    active: layer.active,
    viewers: sent.filter((id) => id === layer.id).length,
  }));
}

function forwardingGauges(sfu: Sfu, threadGauges: readonly ShardGauges[]): Gauges['sfu']['forwarding'] {
  const main = performance.eventLoopUtilization();
  const sessionsOn = sfu.stage?.sessionsByThread() ?? new Map<number, number>();
  const shedPackets = { audio: 0, video: 0 };
  for (const { shed } of threadGauges) {
    shedPackets.audio += shed.audio;
    shedPackets.video += shed.video;
  }
  return {
    threads: sfu.forwarding?.reports((shard) => sessionsOn.get(shard.index) ?? 0) ?? [],
    main: { activeMs: Math.round(main.active), idleMs: Math.round(main.idle) },
    shedPackets,
  };
}

/** Counts by kind, added up over threads. */
function sumCounts(all: Array<Record<string, number>>): Record<string, number> {
  const total = new Map<string, number>();
  for (const counts of all) for (const [kind, count] of Object.entries(counts)) total.set(kind, (total.get(kind) ?? 0) + count);
  return Object.fromEntries([...total].sort(([a], [b]) => a.localeCompare(b)));
}

function listenerTotal(emitter: EventEmitter): number {
  let total = 0;
  for (const name of emitter.eventNames()) total += emitter.listenerCount(name);
  return total;
}
