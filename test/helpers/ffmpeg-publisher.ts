import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, useH264, useOPUS } from 'werift';
import { loopbackClientConfig, postOffer } from './werift-client.js';

/**
 * An OBS-like WHIP publisher: ffmpeg encodes H.264 (x264, baseline) and Opus and sends RTP to
 * two loopback UDP sockets; a werift peer forwards those packets to the node over WHIP. The media
 * is real, so the node's recording of it can be checked with ffprobe.
 */
export interface FfmpegPublisher {
  status: number;
  location: string | null;
  stop(): Promise<void>;
}

async function bind(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port };
}

export async function publishH264FromFfmpeg(base: string, token: string): Promise<FfmpegPublisher> {
  const pc = new RTCPeerConnection({ ...loopbackClientConfig(), codecs: { video: [useH264()], audio: [useOPUS()] } });
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(video, { direction: 'sendonly' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  const videoIn = await bind();
  const audioIn = await bind();
  videoIn.socket.on('message', (data) => video.writeRtp(data));
  audioIn.socket.on('message', (data) => audio.writeRtp(data));

  const session = await postOffer(`${base}/whip`, pc, { Authorization: `Bearer ${token}` });
  let ffmpeg: ChildProcess | undefined;
  if (session.status === 201) {
    // RTP written before DTLS is up reaches the node as stray datagrams and can fail its handshake
    // (seen with the node in another process, where the handshake takes longer): wait, bounded.
    await new Promise<void>((resolve) => {
      if (pc.connectionState === 'connected') return resolve();
      const timer = setTimeout(done, 10_000);
      const sub = pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected' || state === 'failed' || state === 'closed') done();
      });
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
    ffmpeg = spawn(
      'ffmpeg',
      [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
        '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.1', '-pix_fmt', 'yuv420p',
        '-tune', 'zerolatency', '-g', '60', '-b:v', '800k',
        '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${videoIn.port}?pkt_size=1200`,
        '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k',
        '-f', 'rtp', '-payload_type', '111', `rtp://127.0.0.1:${audioIn.port}?pkt_size=1200`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  return {
    status: session.status,
    location: session.location,
    async stop() {
      ffmpeg?.kill('SIGKILL');
      videoIn.socket.close();
      audioIn.socket.close();
      await pc.close();
    },
  };
}
