import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket, useOPUS, useVP8 } from 'werift';
import { ShardedViewerHost, type ShardHandle } from '../../../server/sfu/forwarding/sharded-viewer-host.js';
import type { FromShard, ToShard } from '../../../server/sfu/forwarding/protocol.js';
import { StageTrack } from '../../../server/sfu/stage-track.js';
import { VideoLayers } from '../../../server/sfu/video-layers.js';
import type { TrackSource } from '../../../server/sfu/track.js';
import { CurbcastError } from '../../../server/errors.js';
import type { ThreadPlacement } from '../../../server/sfu/forwarding/thread-placement.js';

/** A forwarding thread as the host sees it: records what is posted; the test plays its answers. */
class FakeShard extends EventEmitter<{ message: [FromShard]; exit: [string] }> {
  readonly posted: ToShard[] = [];
  alive = true;
  constructor(readonly index: number) {
    super();
  }
  post(message: ToShard): void {
    this.posted.push(message);
  }
  say(message: FromShard): void {
    this.emit('message', message);
  }
  die(): void {
    this.alive = false;
    this.emit('exit', 'exited with code 1');
  }
  of<T extends ToShard['type']>(type: T): Array<Extract<ToShard, { type: T }>> {
    return this.posted.filter((message): message is Extract<ToShard, { type: T }> => message.type === type);
  }
}

/** A publisher track the test pushes packets into, counting keyframe requests. */
class FakeSource extends EventEmitter implements TrackSource {
  keyframes = 0;
  constructor(
    readonly kind: 'audio' | 'video',
    readonly codec = kind === 'audio' ? useOPUS() : useVP8(),
  ) {
    super();
  }
  onPacket(listener: (packet: RtpPacket) => void): () => void {
    this.on('packet', listener);
    return () => this.off('packet', listener);
  }
  requestKeyframe(): void {
    this.keyframes++;
  }
  push(sequenceNumber: number): void {
    this.emit('packet', new RtpPacket(new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 10, ssrc: 1, payloadType: 96 }), Buffer.from([0x10, 1, 2, 3])));
  }
}

const PEERS = { ice: {}, negotiation: {}, connectTimeoutMs: 1000, silenceTimeoutMs: 1000 };

function setup(threads = 2, placement: ThreadPlacement = 'even', busy: (shard: FakeShard) => number = () => 0) {
  const shards = Array.from({ length: threads }, (_, i) => new FakeShard(i));
  const audioSource = new FakeSource('audio');
  const videoSource = new FakeSource('video');
  const audio = new StageTrack('audio', audioSource.codec);
  audio.attach(audioSource);
  const video = new VideoLayers(videoSource.codec);
  video.attach('', videoSource);
  let changes = 0;
  const host = new ShardedViewerHost(
    { shards: shards as unknown as ShardHandle[], placement, busy: (shard) => busy(shard as unknown as FakeShard) },
    { audio, video, onViewersChanged: () => changes++ },
    7,
    PEERS,
  );
  return { shards, host, audioSource, videoSource, video, changes: () => changes };
}

/** Opens a viewer and answers it from whichever thread it was posted to. */
async function openAnswered(host: ShardedViewerHost, shards: FakeShard[]) {
  const opensBefore = shards.map((s) => s.of('open').length);
  const opening = host.open('v=0 offer');
  const shard = shards.find((s, i) => s.of('open').length > opensBefore[i]!)!;
  const open = shard.of('open').at(-1)!;
  shard.say({ type: 'answer', viewer: open.viewer, answer: 'v=0 answer' });
  return { ...(await opening), shard };
}

describe('ShardedViewerHost', () => {
  it('spreads viewers over threads, begins the set once per thread, and answers through the thread', async () => {
    const { shards, host } = setup();
    const a = await openAnswered(host, shards);
    const b = await openAnswered(host, shards);
    const c = await openAnswered(host, shards);
    expect([a.shard.index, b.shard.index, c.shard.index]).toEqual([0, 1, 0]);
    expect(a.answer).toBe('v=0 answer');
    for (const shard of shards) {
      const begins = shard.of('set-begin');
      expect(begins).toHaveLength(1);
      expect(begins[0]).toMatchObject({ set: 7, audio: { mimeType: 'audio/OPUS' }, video: { mimeType: 'video/VP8' }, peers: PEERS });
    }
    expect(host.sessionCount).toBe(3);
    expect(a.viewer.thread).toBe(0);
  });

  it('pack: viewers on the first thread until it is busy, then the next', async () => {
    const busy = new Map<number, number>([[0, 0.2], [1, 0]]);
    const { shards, host } = setup(2, 'pack', (shard) => busy.get(shard.index)!);
    const first = [await openAnswered(host, shards), await openAnswered(host, shards), await openAnswered(host, shards)];
    expect(first.map((opened) => opened.shard.index)).toEqual([0, 0, 0]);
    // Thread 0 past the mark: the next viewers go to thread 1…
    busy.set(0, 0.55);
    expect((await openAnswered(host, shards)).shard.index).toBe(1);
    // …and with both past it, to the less busy one.
    busy.set(1, 0.6);
    expect((await openAnswered(host, shards)).shard.index).toBe(0);
    expect(shards[1]!.of('set-begin')).toHaveLength(1);
  });

  it('posts each packet once to each thread that has a viewer (and none to a thread without)', async () => {
    const { shards, host, videoSource, audioSource } = setup(2);
    await openAnswered(host, shards);
    videoSource.push(1);
    audioSource.push(1);
    expect(shards[0]!.of('rtp').map((m) => m.track)).toEqual(['video:', 'audio']);
    expect(shards[1]!.of('rtp')).toHaveLength(0);
    await openAnswered(host, shards);
    videoSource.push(2);
    expect(shards[0]!.of('rtp')).toHaveLength(3);
    expect(shards[1]!.of('rtp')).toHaveLength(1);
    // A copy per thread, parseable as the same packet.
    const [first, second] = [shards[0]!.of('rtp')[2]!, shards[1]!.of('rtp')[0]!];
    expect(first.packet.buffer).not.toBe(second.packet.buffer);
    expect(RtpPacket.deSerialize(Buffer.from(second.packet)).header.sequenceNumber).toBe(2);
  });

  it('counts a viewer as watching when its thread says connected, and drops it when the thread says closed', async () => {
    const { shards, host, changes } = setup(1);
    const { viewer } = await openAnswered(host, shards);
    expect(host.viewerCount).toBe(0);
    shards[0]!.say({ type: 'connected', viewer: viewer.id });
    expect(host.viewerCount).toBe(1);
    shards[0]!.say({ type: 'closed', viewer: viewer.id, reason: 'silent' });
    expect(host.sessionCount).toBe(0);
    expect(viewer.closed).toBe(true);
    expect(changes()).toBe(2);
    // Messages about sessions it no longer knows are ignored (a close can cross them).
    shards[0]!.say({ type: 'connected', viewer: viewer.id });
    shards[0]!.say({ type: 'answer', viewer: 'nobody', answer: 'x' });
    expect(host.viewerCount).toBe(0);
  });

  it('a failed open rejects with the thread\'s error, and closing frees the slot and tells the thread', async () => {
    const { shards, host } = setup(1);
    const opening = host.open('bad');
    const open = shards[0]!.of('open')[0]!;
    shards[0]!.say({ type: 'open-failed', viewer: open.viewer, error: { status: 400, code: 'codec_mismatch', message: 'no VP8' } });
    const error = await opening.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CurbcastError);
    expect(error).toMatchObject({ status: 400, code: 'codec_mismatch', message: 'no VP8' });
    expect(host.sessionCount).toBe(0);
    expect(shards[0]!.of('close').map((m) => m.viewer)).toEqual([open.viewer]);
  });

  it('a thread that dies ends its viewers (an open in flight too) and new viewers go to the others', async () => {
    const { shards, host } = setup(2);
    const onZero = await openAnswered(host, shards);
    const onOne = await openAnswered(host, shards);
    const inFlight = host.open('offer');
    expect(shards[0]!.of('open')).toHaveLength(2);
    shards[0]!.die();
    await expect(inFlight).rejects.toMatchObject({ status: 503 });
    expect(onZero.viewer.closed).toBe(true);
    expect(onOne.viewer.closed).toBe(false);
    const next = await openAnswered(host, shards);
    expect(next.shard.index).toBe(1);
  });

  it('keyframe requests from a thread reach the set\'s track; layer ticks reach every thread in use', async () => {
    const { shards, host, videoSource } = setup(1);
    await openAnswered(host, shards);
    const before = videoSource.keyframes;
    shards[0]!.say({ type: 'keyframe', set: 7, track: 'video:' });
    shards[0]!.say({ type: 'keyframe', set: 6, track: 'video:' });
    expect(videoSource.keyframes).toBe(before + 1);
    host.tick();
    expect(shards[0]!.of('layers')).toHaveLength(1);
    expect(shards[0]!.of('layers')[0]!.layers.map((layer) => layer.id)).toEqual(['']);
  });

  it('a publisher gone (VideoLayers.detach) tells each thread in use at once, after the packets before it', async () => {
    const { shards, host, videoSource, video } = setup(2);
    await openAnswered(host, shards);
    videoSource.push(1);
    video.detach();
    expect(shards[0]!.posted.slice(-2).map((m) => m.type)).toEqual(['rtp', 'layers-detached']);
    expect(shards[0]!.of('layers-detached')).toEqual([{ type: 'layers-detached', set: 7, layers: [''] }]);
    expect(shards[1]!.of('layers-detached')).toHaveLength(0);
    host.close('set ended');
    video.detach();
    expect(shards[0]!.of('layers-detached')).toHaveLength(1);
  });

  it('closing the host ends the set on every thread and every session, and stops posting packets', async () => {
    const { shards, host, videoSource } = setup(2);
    const a = await openAnswered(host, shards);
    await openAnswered(host, shards);
    host.close('set ended');
    expect(a.viewer.closed).toBe(true);
    for (const shard of shards) expect(shard.of('set-end')).toEqual([{ type: 'set-end', set: 7 }]);
    const posted = shards[0]!.posted.length;
    videoSource.push(9);
    expect(shards[0]!.posted.length).toBe(posted);
    await expect(host.open('offer')).rejects.toMatchObject({ status: 503 });
  });
});
