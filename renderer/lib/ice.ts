// Types only: common/ice.ts holds zod schemas, which the viewer must not download.
import type { IceServersAnswer } from '../../common/ice.js';
import { isRecord } from './node-error.js';

/** ICE_PATHS.servers (common/ice.ts), written out for the reason above. */
const ICE_SERVERS_PATH = '/api/ice';

/** Longest wait for the node's STUN/TURN list before connecting without it, ms. */
const ICE_FETCH_TIMEOUT_MS = 3000;

/**
 * The busker's STUN/TURN servers for one new peer connection (GET /api/ice, next to `endpoint`),
 * fetched right before the offer so TURN credentials are fresh. Anything going wrong (an older
 * node, a refusal, a slow answer) gives an empty list: on the busker's network no server is needed,
 * and a page must never fail to play because of this. No zod here: the viewer stays small.
 */
export async function fetchIceServers(endpoint: string, signal?: AbortSignal): Promise<RTCIceServer[]> {
  const url = new URL(ICE_SERVERS_PATH, new URL(endpoint, location.href)).href;
  // One controller for both the caller's abort and the timeout (AbortSignal.any is too new for older phones).
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, ICE_FETCH_TIMEOUT_MS);
  signal?.addEventListener('abort', abort);
  try {
    const response = await fetch(url, { cache: 'no-store', signal: controller.signal });
    if (!response.ok) return [];
    return iceServersOf((await response.json()) as unknown);
  } catch (error) {
    if (signal?.aborted) throw error;
    return [];
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Starts fetching the node's STUN/TURN servers now, while the page is still connecting its events
 * socket, so that the first session does not wait for them before its offer. The early list is
 * handed to the first session that asks within `maxAgeMs` (TURN credentials expire); any later
 * session fetches its own, right before its offer, as `fetchIceServers` does.
 */
export function prefetchIceServers(endpoint: string, maxAgeMs = 30_000): (signal: AbortSignal) => Promise<RTCIceServer[]> {
  let early: { at: number; servers: Promise<RTCIceServer[]> } | undefined = { at: Date.now(), servers: fetchIceServers(endpoint) };
  return (signal) => {
    const taken = early;
    early = undefined;
    if (taken && Date.now() - taken.at <= maxAgeMs) return taken.servers;
    return fetchIceServers(endpoint, signal);
  };
}

/** Only well-formed entries: `urls` as strings, username and credential as strings when present. */
export function iceServersOf(body: unknown): RTCIceServer[] {
  if (!isRecord(body) || !Array.isArray(body.iceServers)) return [];
  const servers: RTCIceServer[] = [];
  for (const entry of body.iceServers as IceServersAnswer['iceServers'] | unknown[]) {
    if (!isRecord(entry)) continue;
    const urls = typeof entry.urls === 'string' ? [entry.urls] : entry.urls;
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((url) => typeof url === 'string')) continue;
    const server: RTCIceServer = { urls: urls as string[] };
    if (typeof entry.username === 'string') server.username = entry.username;
    if (typeof entry.credential === 'string') server.credential = entry.credential;
    servers.push(server);
  }
  return servers;
}
