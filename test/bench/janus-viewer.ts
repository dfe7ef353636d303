/**
 * A farm viewer's signalling with Janus's Streaming plugin over Janus's HTTP API (it is not WHEP):
 *
 *   POST /janus {create} → session · POST /janus/<session> {attach janus.plugin.streaming} → handle
 *   · GET /janus/<session> long-polled for events · POST {message: watch <id>} → an event carrying
 *   Janus's offer · werift's answer · POST {message: start, jsep: answer} · keepalive every 25 s
 *   (Janus drops sessions idle for 60 s) · at the end POST {detach}, POST {destroy}.
 *
 * Used inside the viewer farm (viewer-farm.ts), which counts the packets exactly as for WHEP viewers.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { RTCPeerConnection } from 'werift';
import { gatheringComplete } from '../../server/sfu/negotiate.js';

interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> & { error?: string; error_code?: number } };
  jsep?: { type: 'offer' | 'answer'; sdp: string };
}

export interface JanusWatch {
  /** Detach and destroy the session; true when Janus confirmed the destroy. */
  close(): Promise<boolean>;
}

const transaction = () => randomBytes(9).toString('base64url');

/**
 * Watches mountpoint `mountpoint` on the Janus API at `apiUrl` (http://127.0.0.1:PORT/janus) with
 * `pc` (already subscribed to its tracks by the caller). Resolves once the answer was accepted;
 * the caller waits for media itself. Rejects by `deadline` (performance.now() ms).
 */
export async function janusWatch(
  pc: RTCPeerConnection,
  options: { apiUrl: string; mountpoint: number; deadline: number; /** The address of ours to keep in the answer (default 127.0.0.1). */ candidateAddress?: string },
): Promise<JanusWatch> {
  const { apiUrl, deadline } = options;
  const remaining = () => Math.max(1, Math.ceil(deadline - performance.now()));
  const post = async (path: string, body: Record<string, unknown>, timeoutMs = remaining()): Promise<JanusMessage> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ transaction: transaction(), ...body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const message = (await res.json()) as JanusMessage;
    if (message.janus === 'error') throw new Error(`janus ${String(body.janus)}: ${message.error?.code} ${message.error?.reason}`);
    return message;
  };

  const created = await post('', { janus: 'create' });
  const session = created.data?.id;
  if (!session) throw new Error(`janus create: no session id (${JSON.stringify(created).slice(0, 200)})`);
  let closed = false;
  const abortPoll = new AbortController();
  const events: JanusMessage[] = [];
  let wake: (() => void) | undefined;

  // Long poll: Janus answers with up to maxev events, or a keepalive after 30 s without any.
  const polling = (async () => {
    while (!closed) {
      try {
        const res = await fetch(`${apiUrl}/${session}?maxev=10&rid=${Date.now()}`, { signal: abortPoll.signal });
        const body = (await res.json()) as JanusMessage | JanusMessage[];
        for (const message of Array.isArray(body) ? body : [body]) {
          if (message.janus === 'keepalive') continue;
          events.push(message);
          if (events.length > 100) events.shift(); // media/webrtcup notices nobody reads after the join
        }
        wake?.();
      } catch {
        if (closed) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  const nextEvent = async (match: (m: JanusMessage) => boolean, what: string): Promise<JanusMessage> => {
    for (;;) {
      const at = events.findIndex(match);
      if (at !== -1) return events.splice(at, 1)[0]!;
      if (performance.now() >= deadline) throw new Error(`janus: no ${what} by the join deadline`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining(), 1000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  let handle: number | undefined;
  const keepalive = setInterval(() => {
    void post(`/${session}`, { janus: 'keepalive' }, 5000).catch(() => undefined);
  }, 25_000);
  keepalive.unref();

  const close = async (): Promise<boolean> => {
    if (closed) return false;
    closed = true;
    clearInterval(keepalive);
    abortPoll.abort();
    await polling.catch(() => undefined);
    if (handle !== undefined) await post(`/${session}/${handle}`, { janus: 'detach' }, 3000).catch(() => undefined);
    try {
      return (await post(`/${session}`, { janus: 'destroy' }, 3000)).janus === 'success';
    } catch {
      return false;
    }
  };

  try {
    const attached = await post(`/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming' });
    handle = attached.data?.id;
    if (!handle) throw new Error(`janus attach: no handle id (${JSON.stringify(attached).slice(0, 200)})`);

    const watch = await post(`/${session}/${handle}`, { janus: 'message', body: { request: 'watch', id: options.mountpoint } });
    const offerEvent = await nextEvent((m) => m.transaction === watch.transaction && m.janus === 'event', "answer to 'watch'");
    const error = offerEvent.plugindata?.data.error;
    if (error) throw new Error(`janus watch: ${offerEvent.plugindata?.data.error_code} ${error}`);
    const offer = offerEvent.jsep;
    if (offer?.type !== 'offer') throw new Error(`janus watch: no offer (${JSON.stringify(offerEvent).slice(0, 300)})`);
    // Janus gathers on one of this machine's own addresses (traffic to it stays on lo): anything
    // else would be a config mistake that could send media off the machine.
    const own = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)));
    const foreign = offer.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate') && !own.has(l.split(' ')[4] ?? ''));
    if (foreign.length) throw new Error(`janus offered candidates that are not this machine's: ${foreign.join(' | ').slice(0, 300)}`);
    if (!/^a=candidate/m.test(offer.sdp)) throw new Error('janus offered no ICE candidate');

    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await gatheringComplete(pc, 2000);
    const answer = pc
      .localDescription!.sdp.split('\r\n')
      .filter((l) => !l.startsWith('a=candidate') || l.includes(` ${options.candidateAddress ?? '127.0.0.1'} `))
      .join('\r\n');
    const start = await post(`/${session}/${handle}`, { janus: 'message', body: { request: 'start' }, jsep: { type: 'answer', sdp: answer } });
    // Our candidates are in the answer; Janus (half-trickle) still waits for the end of them.
    await post(`/${session}/${handle}`, { janus: 'trickle', candidate: { completed: true } });
    const started = await nextEvent((m) => m.transaction === start.transaction && m.janus === 'event', "answer to 'start'");
    const startError = started.plugindata?.data.error;
    if (startError) throw new Error(`janus start: ${started.plugindata?.data.error_code} ${startError}`);
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
