import { randomUUID } from 'node:crypto';
import type { RtpPacket } from 'werift';
import type { QualityPreference } from '../../../common/quality.js';
import { CurbcastError } from '../../errors.js';
import type { SetTracks } from '../stage.js';
import type { TrackSource } from '../track.js';
import type { LayerState } from '../video-layers.js';
import { codecToData } from './codec-data.js';
import type { FromShard, PeerSettings, ShardError, TrackId } from './protocol.js';
import { RemoteViewer } from './remote-viewer.js';
import type { Shard } from './shard.js';
import { chooseThread, type ThreadPlacement } from './thread-placement.js';
import type { ViewerHost } from './viewer-host.js';

/** What the host needs of a thread's handle (a Shard; tests give a fake). */
export type ShardHandle = Pick<Shard, 'index' | 'alive' | 'post' | 'on' | 'off'>;

/** What the host needs of the pool: its threads, how busy each is, and how to place viewers. */
export interface ShardSource {
  readonly shards: readonly ShardHandle[];
  readonly placement: ThreadPlacement;
  busy(shard: ShardHandle): number;
}

interface PendingOpen {
  resolve: (answer: string) => void;
  reject: (error: Error) => void;
}

/**
 * A set's viewers spread over the forwarding threads: each new viewer goes where the pool's
 * placement says (thread-placement.ts: fill one thread, then the next; or evenly). Each of the
 * set's packets is serialized once and posted once to every thread that has a viewer (one copy per
 * thread, not per viewer); the thread sends it on. Layer measurements stay here (the stage's
 * VideoLayers) and are posted on every layers tick.
 */
export class ShardedViewerHost implements ViewerHost {
  readonly #pool: ShardSource;
  readonly #set: SetTracks;
  readonly #setNumber: number;
  readonly #peers: PeerSettings;
  readonly #sessions = new Map<string, RemoteViewer>();
  readonly #pendingOpens = new Map<string, PendingOpen>();
  /** Sessions per thread (by shard index): which threads need the packets. */
  readonly #perShard = new Map<ShardHandle, number>();
  /** Threads this set was begun on, and how to stop listening to each. */
  readonly #begun = new Map<ShardHandle, () => void>();
  /** The layer each viewer is sent now, as its thread last said. */
  readonly #layersByViewer = new Map<string, string | undefined>();
  /** The set's tracks this host posts, and how to stop. */
  readonly #subscribed = new Map<TrackId, () => void>();
  readonly #stopDetachWatch: () => void;
  #closed = false;

  constructor(pool: ShardSource, set: SetTracks, setNumber: number, peers: PeerSettings) {
    this.#pool = pool;
    this.#peers = peers;
    this.#set = set;
    this.#setNumber = setNumber;
    if (set.audio) this.#subscribe('audio', set.audio);
    this.#subscribeNewLayers();
    // Posted at once, not on the next tick: a viewer joining a thread in between would be sent
    // the old session's cached group.
    this.#stopDetachWatch =
      set.video?.onDetach((layers) => {
        for (const shard of this.#begun.keys()) shard.post({ type: 'layers-detached', set: this.#setNumber, layers });
      }) ?? (() => undefined);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get viewerCount(): number {
    let count = 0;
    for (const viewer of this.#sessions.values()) if (viewer.connected) count++;
    return count;
  }

  async open(offer: string): Promise<{ viewer: RemoteViewer; answer: string }> {
    const shard = this.#choose();
    if (this.#closed || !shard) throw new CurbcastError(503, 'forwarding_unavailable', 'The laptop cannot take viewers right now; try again in a moment.');
    this.#begin(shard);
    const id = randomUUID();
    const viewer = new RemoteViewer(id, shard.index, (reason) => shard.post({ type: 'close', viewer: id, reason }));
    this.#sessions.set(id, viewer);
    this.#perShard.set(shard, (this.#perShard.get(shard) ?? 0) + 1);
    viewer.on('connected', () => this.#set.onViewersChanged());
    viewer.on('close', () => {
      this.#sessions.delete(id);
      this.#layersByViewer.delete(id);
      this.#perShard.set(shard, (this.#perShard.get(shard) ?? 1) - 1);
      this.#pendingOpens.get(id)?.reject(new CurbcastError(503, 'viewer_closed', 'The session ended while it was being set up.'));
      this.#pendingOpens.delete(id);
      this.#set.onViewersChanged();
    });
    const answer = new Promise<string>((resolve, reject) => this.#pendingOpens.set(id, { resolve, reject }));
    shard.post({ type: 'open', set: this.#setNumber, viewer: id, offer });
    try {
      return { viewer, answer: await answer };
    } catch (error) {
      viewer.close('negotiation failed');
      throw error;
    }
  }

  viewer(id: string): RemoteViewer | undefined {
    return this.#sessions.get(id);
  }

  prefer(viewerId: string, preference: QualityPreference): boolean {
    const viewer = this.#sessions.get(viewerId);
    if (!viewer) return false;
    this.#shardOf(viewer)?.post({ type: 'prefer', viewer: viewerId, preference });
    return true;
  }

  viewerLayers(): Map<string, string | undefined> {
    return new Map([...this.#sessions.keys()].map((id) => [id, this.#layersByViewer.get(id)]));
  }

  sessionsByThread(): Map<number, number> {
    return new Map([...this.#perShard].map(([shard, sessions]) => [shard.index, sessions]));
  }

  tick(): void {
    this.#subscribeNewLayers();
    const layers = this.#layerStates();
    for (const shard of this.#begun.keys()) shard.post({ type: 'layers', set: this.#setNumber, layers });
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopDetachWatch();
    for (const unsubscribe of this.#subscribed.values()) unsubscribe();
    this.#subscribed.clear();
    for (const [shard, stopListening] of this.#begun) {
      shard.post({ type: 'set-end', set: this.#setNumber });
      stopListening();
    }
    this.#begun.clear();
    for (const viewer of [...this.#sessions.values()]) viewer.ended(reason);
  }

  #choose(): ShardHandle | undefined {
    const live = this.#pool.shards.filter((shard) => shard.alive);
    const loads = live.map((shard) => ({ thread: shard, busy: this.#pool.busy(shard), sessions: this.#perShard.get(shard) ?? 0 }));
    return chooseThread(loads, this.#pool.placement);
  }

  #shardOf(viewer: RemoteViewer): ShardHandle | undefined {
    for (const shard of this.#begun.keys()) if (shard.index === viewer.thread) return shard;
    return undefined;
  }

  /** Mirrors the set on a thread the first time one of its viewers goes there. */
  #begin(shard: ShardHandle): void {
    if (this.#begun.has(shard)) return;
    const onMessage = (message: FromShard) => this.#onShardMessage(message);
    const onExit = (reason: string) => this.#onShardExit(shard, reason);
    shard.on('message', onMessage);
    shard.on('exit', onExit);
    this.#begun.set(shard, () => {
      shard.off('message', onMessage);
      shard.off('exit', onExit);
    });
    shard.post({
      type: 'set-begin',
      set: this.#setNumber,
      peers: this.#peers,
      audio: this.#set.audio ? codecToData(this.#set.audio.codec) : undefined,
      video: this.#set.video ? codecToData(this.#set.video.codec) : undefined,
      layers: this.#layerStates(),
    });
  }

  #onShardMessage(message: FromShard): void {
    switch (message.type) {
      case 'answer': {
        this.#pendingOpens.get(message.viewer)?.resolve(message.answer);
        this.#pendingOpens.delete(message.viewer);
        return;
      }
      case 'open-failed': {
        this.#pendingOpens.get(message.viewer)?.reject(fromShardError(message.error));
        this.#pendingOpens.delete(message.viewer);
        return;
      }
      case 'connected':
        this.#sessions.get(message.viewer)?.markConnected();
        return;
      case 'closed':
        this.#sessions.get(message.viewer)?.ended(message.reason);
        return;
      case 'keyframe':
        if (message.set === this.#setNumber) this.#track(message.track)?.requestKeyframe();
        return;
      case 'viewer-layers':
        if (message.set !== this.#setNumber) return;
        for (const [viewer, layer] of message.layers) if (this.#sessions.has(viewer)) this.#layersByViewer.set(viewer, layer);
        return;
    }
  }

  /** A thread died: its viewers are gone (their players reconnect); new ones go to the others. */
  #onShardExit(shard: ShardHandle, reason: string): void {
    this.#begun.get(shard)?.();
    this.#begun.delete(shard);
    for (const viewer of [...this.#sessions.values()]) {
      if (viewer.thread !== shard.index) continue;
      this.#pendingOpens.get(viewer.id)?.reject(new CurbcastError(503, 'forwarding_failed', 'The laptop dropped this session; try again.'));
      this.#pendingOpens.delete(viewer.id);
      viewer.ended(`forwarding thread ${reason}`);
    }
    this.#perShard.delete(shard);
  }

  #track(id: TrackId): TrackSource | undefined {
    if (id === 'audio') return this.#set.audio;
    const layerId = id.slice('video:'.length);
    return this.#set.video?.all.find((layer) => layer.id === layerId)?.track;
  }

  #layerStates(): LayerState[] {
    return (this.#set.video?.all ?? []).map(({ id, bitrate, width, height, active }) => ({ id, bitrate, width, height, active }));
  }

  /** Simulcast layers can appear after the set went live (the encoder adds one as bandwidth allows). */
  #subscribeNewLayers(): void {
    for (const layer of this.#set.video?.all ?? []) {
      const id: TrackId = `video:${layer.id}`;
      if (!this.#subscribed.has(id)) this.#subscribe(id, layer.track);
    }
  }

  #subscribe(id: TrackId, track: TrackSource): void {
    this.#subscribed.set(id, track.onPacket((packet) => this.#post(id, packet)));
  }

  /** One packet to every thread with a viewer of this set: serialized once, one copy per thread. */
  #post(track: TrackId, packet: RtpPacket): void {
    let bytes: Buffer | undefined;
    let postedAt = 0;
    for (const [shard, sessions] of this.#perShard) {
      if (sessions <= 0 || !this.#begun.has(shard)) continue;
      if (!bytes) {
        bytes = packet.serialize();
        // A thread that falls behind drops what waited too long (stale-packets.ts).
        postedAt = Date.now();
      }
      const copy = new Uint8Array(bytes);
      shard.post({ type: 'rtp', set: this.#setNumber, track, packet: copy, postedAt }, [copy.buffer]);
    }
  }
}

function fromShardError(error: ShardError): Error {
  if (error.status !== undefined && error.code !== undefined) return new CurbcastError(error.status, error.code, error.message);
  return new Error(error.message);
}
