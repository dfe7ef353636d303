/**
 * The relay's WHIP client against a hand-made WHIP endpoint on 127.0.0.1 (node:http + a werift
 * answerer): what it sends (SDP, bearer token), how it reads the answer (a relative Location), that
 * close() DELETEs with the token, and the refusals it turns into reasons.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { RTCPeerConnection, useH264, useOPUS, useVP8, type RTCRtpCodecParameters } from 'werift';
import { afterEach, describe, expect, it } from 'vitest';
import { instances } from '../../server/diagnostics/gauges.js';
import { RelayError } from '../../server/relay/relay-error.js';
import { WhipSession } from '../../server/relay/whip-client.js';
import type { TrackSource } from '../../server/sfu/track.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A WHIP endpoint whose answer is made by a werift peer that takes only `video` codecs. */
async function fakeTarget(options: { video: RTCRtpCodecParameters[]; status?: number; body?: string }): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const peers: RTCPeerConnection[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => resolve(text));
    });
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    if (req.method === 'DELETE') return res.writeHead(200).end();
    if (options.status) return res.writeHead(options.status, { 'Content-Type': 'application/json' }).end(options.body ?? '');
    const pc = new RTCPeerConnection({ iceServers: [], iceLite: true, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], codecs: { audio: [useOPUS()], video: options.video } });
    peers.push(pc);
    await pc.setRemoteDescription({ type: 'offer', sdp: body });
    await pc.setLocalDescription(await pc.createAnswer());
    res.writeHead(201, { 'Content-Type': 'application/sdp', Location: 'sessions/abc' }).end(pc.localDescription!.sdp);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/live/whip`,
    seen,
    async close() {
      for (const pc of peers) await pc.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function fakeSource(kind: 'audio' | 'video', codec: RTCRtpCodecParameters): TrackSource & { keyframes: number } {
  const source = {
    kind,
    codec,
    keyframes: 0,
    onPacket: () => () => undefined,
    requestKeyframe: () => void source.keyframes++,
  };
  return source;
}

describe('WhipSession: the relay’s WHIP client', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    expect(instances.open()['relay-session'] ?? 0).toBe(0);
  });

  function session(url: string, token: string | undefined, video = useVP8()): WhipSession {
    const whip = new WhipSession({
      url,
      token,
      sources: { audio: fakeSource('audio', useOPUS()), video: fakeSource('video', video) },
      network: { hostAddresses: ['127.0.0.1'] },
      stunUrl: undefined,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => whip.close());
    return whip;
  }

  it('POSTs an SDP offer with the bearer token, and DELETEs the session (Location resolved against the POST URL) on close', async () => {
    const target = await fakeTarget({ video: [useVP8(), useH264()] });
    cleanups.push(() => target.close());
    const whip = session(target.url, 'stream-key-1');
    await whip.start();
    const [post] = target.seen;
    expect(post).toMatchObject({ method: 'POST', url: '/live/whip', authorization: 'Bearer stream-key-1', contentType: 'application/sdp' });
    expect(post!.body).toMatch(/^v=0\r\n/);
    expect(post!.body).toMatch(/a=sendonly/);
    expect(post!.body).toMatch(/ 127\.0\.0\.1 \d+ typ host/);
    expect(post!.body).not.toMatch(/typ srflx|transport-cc/);
    await whip.close();
    await whip.close();
    expect(target.seen.filter((s) => s.method === 'DELETE')).toEqual([
      { method: 'DELETE', url: '/live/sessions/abc', authorization: 'Bearer stream-key-1', contentType: undefined, body: '' },
    ]);
  });

  it('sends no Authorization without a token', async () => {
    const target = await fakeTarget({ video: [useVP8()] });
    cleanups.push(() => target.close());
    await session(target.url, undefined).start();
    expect(target.seen[0]!.authorization).toBeUndefined();
  });

  it('a target that does not take the set’s video codec is a final refusal that says so', async () => {
    const target = await fakeTarget({ video: [useH264()] });
    cleanups.push(() => target.close());
    const failure = await session(target.url, 'k').start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RelayError);
    expect(failure).toMatchObject({ retryable: false, message: expect.stringMatching(/does not take VP8 video/) });
  });

  it('a refusal names the host, the status and what the target said — never the token', async () => {
    const target = await fakeTarget({ video: [useVP8()], status: 403, body: JSON.stringify({ message: 'key sk-123 is not allowed here' }) });
    cleanups.push(() => target.close());
    const failure = (await session(target.url, 'sk-123').start().catch((error: unknown) => error)) as RelayError;
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^127\.0\.0\.1:\d+ refused the token \(403 Forbidden: key … is not allowed here\)/);
    expect(failure.message).not.toContain('sk-123');
    expect(failure.message).not.toContain('/live/whip');
  });

  it('a target that is not there is retried: “connection refused”', async () => {
    const target = await fakeTarget({ video: [useVP8()] });
    const url = target.url;
    await target.close();
    const failure = (await session(url, 'k').start().catch((error: unknown) => error)) as RelayError;
    expect(failure).toMatchObject({ retryable: true, message: expect.stringMatching(/^Could not reach 127\.0\.0\.1:\d+: connection refused/) });
  });
});
