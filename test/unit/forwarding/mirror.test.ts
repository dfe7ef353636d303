import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket, useH264, useOPUS, useVP8 } from 'werift';
import { codecFromData, codecToData } from '../../../server/sfu/forwarding/codec-data.js';
import { defaultForwardingThreads } from '../../../server/sfu/forwarding/forwarding-pool.js';
import { RemoteLayers, RemoteTrack } from '../../../server/sfu/forwarding/remote-layers.js';
import { pino } from 'pino';
import { vp8Payload } from '../simulcast/vp8-packets.js';
import { nodeOptionsFrom, parseServeArgs, type ServeOptions } from '../../../server/cli.js';

describe('what crosses to a forwarding thread', () => {
  it('a codec survives the trip as werift would negotiate it (structured clone included)', () => {
    for (const codec of [useVP8(), useH264(), useOPUS()]) {
      const back = codecFromData(structuredClone(codecToData(codec)));
      expect(back.mimeType).toBe(codec.mimeType);
      expect(back.clockRate).toBe(codec.clockRate);
      expect(back.channels).toBe(codec.channels);
      expect(back.parameters).toBe(codec.parameters);
      expect(back.rtcpFeedback.map((f) => `${f.type} ${f.parameter ?? ''}`)).toEqual(codec.rtcpFeedback.map((f) => `${f.type} ${f.parameter ?? ''}`));
      expect(back.str).toBe(codec.str);
    }
  });

  it('RemoteLayers mirrors the main thread\'s order and measurements, one track per layer for good', () => {
    const made: string[] = [];
    const layers = new RemoteLayers(useVP8(), (id) => {
      made.push(id);
      return new RemoteTrack('video', useVP8(), () => undefined);
    });
    layers.update([
      { id: 'q', bitrate: 150_000, width: 320, height: 180, active: true },
      { id: 'f', bitrate: 2_000_000, width: 1280, height: 720, active: true },
    ]);
    const q = layers.all[0]!;
    expect(layers.top?.id).toBe('f');
    layers.update([
      { id: 'q', bitrate: 160_000, width: 320, height: 180, active: true },
      { id: 'h', bitrate: 500_000, width: 640, height: 360, active: true },
      { id: 'f', bitrate: 0, width: 1280, height: 720, active: false },
    ]);
    expect(layers.all.map((layer) => layer.id)).toEqual(['q', 'h', 'f']);
    expect(layers.active.map((layer) => layer.id)).toEqual(['q', 'h']);
    expect(layers.top?.id).toBe('h');
    expect(layers.all[0]).toBe(q);
    expect(q.bitrate).toBe(160_000);
    expect(made).toEqual(['q', 'f', 'h']);
  });

  it('RemoteLayers drops its cached groups when the publisher is gone: a joiner never gets the old session\'s frames', () => {
    const tracks = new Map<string, RemoteTrack>();
    const layers = new RemoteLayers(useVP8(), (id) => {
      const track = new RemoteTrack('video', useVP8(), () => undefined);
      tracks.set(id, track);
      return track;
    });
    layers.update([
      { id: 'q', bitrate: 150_000, width: 320, height: 180, active: true },
      { id: 'f', bitrate: 2_000_000, width: 1280, height: 720, active: true },
    ]);
    const send = (id: string, sequenceNumber: number, keyframe = false) =>
      tracks.get(id)!.deliver(new RtpPacket(new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 3000, ssrc: 1, payloadType: 96 }), vp8Payload({ keyframe })));
    for (const id of ['q', 'f']) {
      send(id, 1, true);
      send(id, 2);
    }
    const [q, f] = layers.all;
    expect(f!.gop!.catchUp()).toHaveLength(2);
    layers.detach(['f']);
    expect(f!.gop!.catchUp()).toBeUndefined();
    expect(q!.gop!.catchUp()).toHaveLength(2);
    // The new session's stream follows on (StageTrack), but its frames before a keyframe are not cached.
    send('f', 3);
    expect(f!.gop!.catchUp()).toBeUndefined();
    send('f', 4, true);
    expect(f!.gop!.catchUp()!.map((p) => p.header.sequenceNumber)).toEqual([4]);
  });

  it('a RemoteTrack hands one packet to every viewer and asks the main thread for keyframes', () => {
    let asked = 0;
    const track = new RemoteTrack('video', useVP8(), () => asked++);
    const seen: number[] = [];
    const off = track.onPacket(() => seen.push(1));
    track.onPacket(() => seen.push(2));
    track.deliver({} as never);
    off();
    track.deliver({} as never);
    track.requestKeyframe();
    expect(seen).toEqual([1, 2, 2]);
    expect(asked).toBe(1);
  });
});

describe('how many forwarding threads', () => {
  it('defaults to one per core beyond the first, from 1 to 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultForwardingThreads(cores))).toEqual([1, 1, 2, 3, 4, 4]);
  });

  it('--forwarding-threads takes 0–16 and refuses anything else clearly', () => {
    expect(parseServeArgs(['--forwarding-threads', '0'], {})).toMatchObject({ forwardingThreads: 0 });
    expect(parseServeArgs(['--forwarding-threads', '3'], {})).toMatchObject({ forwardingThreads: 3 });
    expect(parseServeArgs([], {})).toMatchObject({ forwardingThreads: undefined });
    for (const bad of ['1.5', 'two', '17', '']) expect(() => parseServeArgs(['--forwarding-threads', bad], {})).toThrow(/--forwarding-threads must be/);
  });

  it('--thread-placement takes even or pack', () => {
    expect(parseServeArgs(['--thread-placement', 'even'], {})).toMatchObject({ threadPlacement: 'even' });
    expect(parseServeArgs([], {})).toMatchObject({ threadPlacement: undefined });
    expect(() => parseServeArgs(['--thread-placement', 'spread'], {})).toThrow('--thread-placement must be even or pack, not "spread".');
  });

  it("the desktop app's node host and the CLI start the node from the same options", () => {
    const options = parseServeArgs(['--forwarding-threads', '2', '--thread-placement', 'even', '--ice-ports', '40000-40100', '--max-viewers', '80', '--max-viewers-per-ip', '5'], {}) as ServeOptions;
    const node = nodeOptionsFrom(options, pino({ level: 'silent' }));
    expect(node.forwardingThreads).toBe(2);
    expect(node.threadPlacement).toBe('even');
    expect(node.ice?.portRange).toEqual([40000, 40100]);
    expect(node.maxViewers).toBe(80);
    expect(node.viewerLimits?.perIp).toBe(5);
  });
});
