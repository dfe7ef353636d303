import { IceSettingsInputSchema, type IceServersAnswer } from '../../common/ice.js';
import { TokenBucket } from '../audience/token-bucket.js';
import { requirePublishToken } from '../auth.js';
import { TooManyRequestsError } from '../errors.js';
import type { IceServerStore } from '../ice/ice-servers.js';
import { readJsonAs } from './body.js';
import { sendJson } from './respond.js';
import type { Route } from './router.js';
import { clientAddress } from './viewer-admission.js';

export interface IceRoutesContext {
  ice: IceServerStore;
  publishToken: () => string;
  /** Requests for /api/ice per address: this many at once, then one per `refillMs` (defaults 20, 250 ms). */
  burst?: number;
  refillMs?: number;
  now?: () => number;
}

/** Addresses remembered by the /api/ice limiter; beyond, the oldest is forgotten. */
const MAX_TRACKED = 4096;

/**
 * STUN/TURN settings (admin) and the servers for one peer connection (public: every viewer asks
 * right before connecting). Minting is one HMAC, but each answer is a working TURN credential, so
 * an address asking in a loop is slowed down (429); pages then connect without STUN/TURN.
 */
export function iceRoutes({ ice, publishToken, burst = 20, refillMs = 250, now = Date.now }: IceRoutesContext): Route[] {
  const buckets = new Map<string, TokenBucket>();
  const admit = (address: string) => {
    let bucket = buckets.get(address);
    if (bucket) buckets.delete(address);
    else bucket = new TokenBucket(burst, refillMs, now);
    buckets.set(address, bucket); // most recent last
    if (buckets.size > MAX_TRACKED) buckets.delete(buckets.keys().next().value!);
    const waitMs = bucket.take();
    if (waitMs > 0) throw new TooManyRequestsError('Too many requests for STUN/TURN servers; try again in a moment.', waitMs / 1000);
  };
  // Literal paths (ICE_PATHS in common/ice.ts names the same), so the auth test's route table sees them.
  return [
    {
      method: 'GET',
      path: '/api/ice',
      public: true,
      handle(req, res) {
        admit(clientAddress(req));
        const answer: IceServersAnswer = { iceServers: ice.forClient() };
        sendJson(res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/api/ice/settings',
      handle(req, res) {
        requirePublishToken(req, publishToken());
        sendJson(res, 200, ice.view());
      },
    },
    {
      method: 'PUT',
      path: '/api/ice/settings',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        const input = await readJsonAs(req, IceSettingsInputSchema, 'STUN/TURN servers', 'bad_ice_servers');
        sendJson(res, 200, ice.update(input));
      },
    },
  ];
}
