/**
 * A forwarding thread: runs some of the set's viewers (their werift peers, DTLS, SRTP, sends and
 * layer choice) off the main thread, so forwarding grows with the laptop's cores. The main thread
 * keeps the publisher, the recorder, HTTP and the viewer count; it posts each of the set's RTP
 * packets here once, and this thread sends it to each of its viewers.
 *
 * Started by ForwardingPool (forwarding-pool.ts); the messages are in protocol.ts.
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { RtpPacket } from 'werift';
import { CurbcastError } from '../../errors.js';
import { forceGc, instances } from '../../diagnostics/gauges.js';
import { LocalViewerHost } from './local-viewer-host.js';
import { codecFromData } from './codec-data.js';
import { RemoteLayers, RemoteTrack } from './remote-layers.js';
import { StalePacketFilter } from './stale-packets.js';
import { warmDtlsCertificate } from '../peer-config.js';
import type { FromShard, ShardError, ShardStart, ToShard, TrackId } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('forwarding-worker runs in a worker thread (started by ForwardingPool).');
const start = workerData as ShardStart;
const post = (message: FromShard) => port.postMessage(message);

/**
 * Names this OS thread `curbcast-fwd-<index>` (Linux: /proc/thread-self/comm, 15 bytes at most).
 * Node leaves every worker thread named "node", so without it `top -H`, `ps -L` and the bench's
 * per-thread CPU cannot tell a forwarding thread from libuv's and V8's helpers. Elsewhere, or when
 * the kernel refuses, the thread simply keeps its name.
 */
function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Only a label.
  }
}
nameThisThread(`curbcast-fwd-${start.index}`);

const logger = pino(
  { level: start.logLevel, base: { thread: start.index } },
  { write: (line: string) => post({ type: 'log', line }) },
);

/** The live set as mirrored here: its tracks and this thread's viewers of it. */
interface MirroredSet {
  id: number;
  tracks: Map<TrackId, RemoteTrack>;
  layers: RemoteLayers | undefined;
  viewers: LocalViewerHost;
}

let current: MirroredSet | undefined;

/** Drops what waited too long in this thread's queue when it falls behind (for the thread's lifetime). */
const stale = new StalePacketFilter({
  onShed: (track) => current?.layers?.lostPackets(track.slice('video:'.length)),
  onRecovered: (track) => current?.tracks.get(track)?.requestKeyframe(),
});

function beginSet(message: Extract<ToShard, { type: 'set-begin' }>): void {
  endSet('a new set began');
  const set = message.set;
  const tracks = new Map<TrackId, RemoteTrack>();
  const askKeyframe = (track: TrackId) => () => post({ type: 'keyframe', set, track });
  let audio: RemoteTrack | undefined;
  if (message.audio) {
    audio = new RemoteTrack('audio', codecFromData(message.audio), askKeyframe('audio'));
    tracks.set('audio', audio);
  }
  let layers: RemoteLayers | undefined;
  if (message.video) {
    const codec = codecFromData(message.video);
    layers = new RemoteLayers(codec, (layerId) => {
      const id: TrackId = `video:${layerId}`;
      const track = new RemoteTrack('video', codec, askKeyframe(id));
      tracks.set(id, track);
      return track;
    });
    layers.update(message.layers);
  }
  const viewers = new LocalViewerHost({
    ...message.peers,
    logger,
    audio,
    video: layers,
    onViewersChanged: () => undefined,
  });
  current = { id: set, tracks, layers, viewers };
}

function endSet(reason: string): void {
  if (!current) return;
  current.viewers.close(reason);
  for (const track of current.tracks.values()) track.close();
  current = undefined;
}

async function open(message: Extract<ToShard, { type: 'open' }>): Promise<void> {
  const set = current;
  if (!set || set.id !== message.set) {
    post({ type: 'open-failed', viewer: message.viewer, error: { status: 404, code: 'offline', message: 'Nobody is live right now.' } });
    return;
  }
  try {
    const { viewer, answer } = await set.viewers.open(message.offer, message.viewer);
    viewer.on('connected', () => post({ type: 'connected', viewer: viewer.id }));
    viewer.on('close', (reason) => post({ type: 'closed', viewer: viewer.id, reason }));
    // It may have connected or closed while the answer was made: the main thread orders by id.
    if (viewer.closed) post({ type: 'closed', viewer: viewer.id, reason: 'closed while negotiating' });
    else post({ type: 'answer', viewer: viewer.id, answer });
  } catch (error) {
    post({ type: 'open-failed', viewer: message.viewer, error: shardError(error) });
  }
}

function shardError(error: unknown): ShardError {
  if (error instanceof CurbcastError) return { status: error.status, code: error.code, message: error.message };
  return { status: undefined, code: undefined, message: error instanceof Error ? error.message : String(error) };
}

async function gauges(request: number, gc: boolean): Promise<void> {
  const gcForced = gc ? await forceGc() : false;
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const heap = getHeapStatistics();
  post({
    type: 'gauges',
    request,
    snapshot: { open: instances.open(), inMemory: instances.inMemory(), resources, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, gcForced, shed: { ...stale.shed } },
  });
}

function handle(message: ToShard): void {
  switch (message.type) {
    case 'rtp': {
      if (current?.id !== message.set) return;
      if (!stale.admit(message.track, message.postedAt, Date.now())) return;
      const track = current.tracks.get(message.track);
      if (track) track.deliver(RtpPacket.deSerialize(Buffer.from(message.packet.buffer, message.packet.byteOffset, message.packet.byteLength)));
      return;
    }
    case 'layers':
      if (current?.id !== message.set) return;
      current.layers?.update(message.layers);
      current.viewers.tick(Date.now());
      post({ type: 'viewer-layers', set: current.id, layers: [...current.viewers.viewerLayers()] });
      return;
    case 'layers-detached':
      if (current?.id === message.set) current.layers?.detach(message.layers);
      return;
    case 'set-begin':
      beginSet(message);
      return;
    case 'set-end':
      if (current?.id === message.set) endSet('set ended');
      return;
    case 'open':
      void open(message);
      return;
    case 'close':
      current?.viewers.viewer(message.viewer)?.close(message.reason);
      return;
    case 'prefer':
      current?.viewers.prefer(message.viewer, message.preference);
      return;
    case 'gauges':
      void gauges(message.request, message.gc);
      return;
    case 'stall-for-test': {
      const until = Date.now() + message.ms;
      while (Date.now() < until) {
        // Busy, as a thread that cannot keep up is: its queue grows meanwhile.
      }
      return;
    }
  }
}

port.on('message', (message: ToShard) => {
  try {
    handle(message);
  } catch (error) {
    // One bad message must not take every viewer of this thread down with it.
    logger.error({ error, type: message.type }, 'forwarding thread: message failed');
  }
});
// Event-loop use is read by the main thread (worker.performance); touch it so it starts now.
performance.eventLoopUtilization();
// Ready once the thread's DTLS certificate is made, so no viewer's join waits for it.
warmDtlsCertificate()
  .catch((error: unknown) => logger.warn({ error }, 'forwarding thread: DTLS certificate not made ahead'))
  .finally(() => post({ type: 'ready' }));
