/**
 * The one media source both SFUs get in the `janus` section, byte for byte the same RTP payloads:
 *
 *   ffmpeg -re -stream_loop -1 -i bench.webm -c copy -f rtp  (one VP8 and one Opus RTP stream)
 *     → this relay (two UDP sockets on 127.0.0.1)
 *         → each datagram unchanged to the Janus Streaming mountpoint's RTP ports (plain RTP), and
 *         → the same packet into a werift WHIP publisher's tracks (SRTP to Curbcast; werift rewrites
 *           only SSRC, payload type, sequence/timestamp offsets and header extensions).
 *
 * The file is encoded once per run from the bench's fake-camera source (ffmpeg testsrc2 + temporal
 * noise, 1280×720 30 fps, as y4m.ts makes it): libvpx VP8 at ~2 Mbit/s CBR, a keyframe every 2 s,
 * plus Opus. Neither SFU can get a keyframe on request from a file: both wait for the next one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { loopbackClientConfig, postOffer } from '../helpers/werift-client.js';
import { log, round, sleep, withTimeout } from './stats.js';

export interface EncodedSource {
  path: string;
  width: number;
  height: number;
  fps: number;
  seconds: number;
  videoKbps: number;
  audioKbps: number;
  keyframeIntervalSeconds: number;
  megabytes: number;
  encodeSeconds: number;
  /** The ffmpeg command, for the record. */
  command: string;
}

/** Encodes `<dir>/janus-source.webm` (VP8 ~2 Mbit/s + Opus). ~5–15 s of CPU. */
export function encodeSource(dir: string, options: { width: number; height: number; fps: number; seconds: number; noise: number; videoKbps: number }): EncodedSource {
  const { width, height, fps, seconds, noise, videoKbps } = options;
  const path = join(dir, 'janus-source.webm');
  const gop = fps * 2;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-vf', `noise=alls=${noise}:allf=t+u,format=yuv420p`,
    '-t', String(seconds),
    // Constant ~bitrate, as a WebRTC encoder would send; realtime speed (quality is not the point).
    '-c:v', 'libvpx', '-b:v', `${videoKbps}k`, '-minrate', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-auto-alt-ref', '0', '-lag-in-frames', '0',
    '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2',
    '-c:a', 'libopus', '-b:a', '48k', '-vbr', 'off', '-ac', '2', '-frame_duration', '20',
    path,
  ];
  const t0 = performance.now();
  const result = spawnSync('ffmpeg', args, { encoding: 'utf8', timeout: 180_000 });
  if (result.error) throw new Error(`ffmpeg could not run (apt-get install -y ffmpeg): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ffmpeg failed encoding the janus source: ${result.stderr}`);
  const encodeSeconds = (performance.now() - t0) / 1000;
  // What the file really holds (the rate control is approximate).
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,bit_rate:format=duration,bit_rate', '-of', 'json', path], { encoding: 'utf8', timeout: 30_000 });
  let duration = seconds;
  try {
    duration = Number((JSON.parse(probe.stdout) as { format?: { duration?: string } }).format?.duration) || seconds;
  } catch {
    /* keep the asked length */
  }
  // WebM does not carry per-stream bit rates: count the packets.
  const sizes = (kind: 'v' | 'a') => {
    const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', `${kind}:0`, '-show_entries', 'packet=size', '-of', 'csv=p=0', path], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
    // One size per line (ffprobe may add a trailing comma for side data).
    return r.stdout.split('\n').reduce((sum, line) => sum + (Number.parseInt(line, 10) || 0), 0);
  };
  const bytes = statSync(path).size;
  return {
    path,
    width,
    height,
    fps,
    seconds: round(duration, 2),
    videoKbps: round((sizes('v') * 8) / 1000 / duration, 0),
    audioKbps: round((sizes('a') * 8) / 1000 / duration, 0),
    keyframeIntervalSeconds: gop / fps,
    megabytes: round(bytes / 1e6, 1),
    encodeSeconds: round(encodeSeconds, 1),
    command: `ffmpeg ${args.join(' ')}`,
  };
}

export interface RelayCounters {
  videoPackets: number;
  videoBytes: number;
  audioPackets: number;
  audioBytes: number;
}

export interface SourceRelay {
  /** Counters of what ffmpeg sent (and we passed on to both SFUs), RTP bytes incl. headers. */
  counters(): RelayCounters;
  /** PLIs the Curbcast node sent our WHIP publisher (a file cannot honour them; both SFUs wait for the next keyframe). */
  plis(): number;
  /** The WHIP publisher's connection state. */
  curbcastState(): string;
  ffmpegPid(): number | undefined;
  close(): Promise<void>;
  killNow(): void;
}

/**
 * Starts the relay, the WHIP publisher to Curbcast (`baseUrl`, bearer `token`) and ffmpeg's
 * real-time replay; resolves once Curbcast's publisher is connected and packets flow.
 */
export async function startSourceRelay(options: {
  source: EncodedSource;
  baseUrl: string;
  token: string;
  /** Janus's RTP mountpoint ports; without them the packets go to Curbcast only (the `capacity` section). */
  janus?: { videoPort: number; audioPort: number };
  /** Prefix of the progress line (default `janus`). */
  label?: string;
  /** RTP payload types ffmpeg writes (the Janus mountpoint's; werift rewrites them for Curbcast). */
  videoPayloadType: number;
  audioPayloadType: number;
}): Promise<SourceRelay> {
  const sockets: Socket[] = [];
  const bind = async () => {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return socket;
  };
  const videoIn = await bind();
  const audioIn = await bind();
  const rtcpSink = await bind(); // ffmpeg's sender reports: neither SFU gets them (Janus's mountpoint has no RTCP port)
  rtcpSink.on('message', () => undefined);
  const out = await bind();

  const pc = new RTCPeerConnection(loopbackClientConfig());
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const videoTransceiver = pc.addTransceiver(video, { direction: 'sendonly' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  let plis = 0;
  videoTransceiver.sender.onPictureLossIndication.subscribe(() => plis++);

  const counters: RelayCounters = { videoPackets: 0, videoBytes: 0, audioPackets: 0, audioBytes: 0 };
  // Version 2, and not RTCP (whose packet types 192–223 read as RTP payload types 64–95 with the marker bit).
  const isRtp = (msg: Buffer) => msg.length >= 12 && msg[0]! >> 6 === 2 && ((msg[1]! & 0x7f) < 64 || (msg[1]! & 0x7f) > 95);
  videoIn.on('message', (msg) => {
    if (!isRtp(msg)) return;
    counters.videoPackets++;
    counters.videoBytes += msg.length;
    if (options.janus) out.send(msg, options.janus.videoPort, '127.0.0.1');
    video.writeRtp(msg);
  });
  audioIn.on('message', (msg) => {
    if (!isRtp(msg)) return;
    counters.audioPackets++;
    counters.audioBytes += msg.length;
    if (options.janus) out.send(msg, options.janus.audioPort, '127.0.0.1');
    audio.writeRtp(msg);
  });

  let ffmpeg: ChildProcess | undefined;
  let ffmpegExited = false;
  let ffmpegStderr = '';
  let location: string | null = null;
  const killNow = () => {
    if (ffmpeg && !ffmpegExited) ffmpeg.kill('SIGKILL');
  };
  const close = async () => {
    if (ffmpeg && !ffmpegExited) {
      const exited = new Promise<void>((resolve) => ffmpeg!.once('exit', () => resolve()));
      ffmpeg.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      killNow();
    }
    if (location) {
      await fetch(new URL(location, options.baseUrl), { method: 'DELETE', headers: { Authorization: `Bearer ${options.token}` }, signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      location = null;
    }
    await Promise.race([pc.close().catch(() => undefined), sleep(2000)]);
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  };

  try {
    const session = await withTimeout(postOffer(`${options.baseUrl}/whip`, pc, { Authorization: `Bearer ${options.token}` }), 15_000, 'WHIP to Curbcast');
    location = session.location;
    if (session.status !== 201) throw new Error(`WHIP ${session.status}: ${session.answer.slice(0, 200)}`);
    await withTimeout(
      new Promise<void>((resolve) => {
        if (pc.connectionState === 'connected') return resolve();
        const sub = pc.connectionStateChange.subscribe((state) => {
          if (state !== 'connected') return;
          sub.unSubscribe();
          resolve();
        });
      }),
      10_000,
      'the WHIP publisher to connect',
    );

    const rtpOut = (port: number) => `rtp://127.0.0.1:${port}?rtcpport=${rtcpSink.address().port}&pkt_size=1200`;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-stream_loop', '-1', '-i', options.source.path,
      '-map', '0:v:0', '-c', 'copy', '-f', 'rtp', '-payload_type', String(options.videoPayloadType), rtpOut(videoIn.address().port),
      '-map', '0:a:0', '-c', 'copy', '-f', 'rtp', '-payload_type', String(options.audioPayloadType), rtpOut(audioIn.address().port),
    ];
    ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    ffmpeg.stderr?.setEncoding('utf8').on('data', (chunk: string) => (ffmpegStderr = (ffmpegStderr + chunk).slice(-4000)));
    ffmpeg.once('exit', () => (ffmpegExited = true));
    const deadline = Date.now() + 5000;
    while (counters.videoPackets < 30 || counters.audioPackets < 5) {
      if (ffmpegExited) throw new Error(`ffmpeg's RTP replay exited: ${ffmpegStderr.trim().slice(-500)}`);
      if (Date.now() > deadline) throw new Error(`ffmpeg's RTP replay sent ${counters.videoPackets} video / ${counters.audioPackets} audio packets in 5 s: ${ffmpegStderr.trim().slice(-500)}`);
      await sleep(100);
    }
    log(`${options.label ?? 'janus'}: source flowing (ffmpeg pid ${ffmpeg.pid})${options.janus ? " to Janus's mountpoint and," : ''} by WHIP to Curbcast`);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    counters: () => ({ ...counters }),
    plis: () => plis,
    curbcastState: () => pc.connectionState,
    ffmpegPid: () => (ffmpegExited ? undefined : ffmpeg?.pid),
    close,
    killNow,
  };
}
