import { RelaySettingsInputSchema } from '../../common/relay.js';
import { requirePublishToken } from '../auth.js';
import type { Relay } from '../relay/relay.js';
import { readJsonAs } from './body.js';
import { sendJson } from './respond.js';
import type { Route } from './router.js';

export interface RelayRoutesContext {
  relay: Relay;
  publishToken: () => string;
}

/**
 * "Also publish to" (admin): the WHIP target and its state. The bearer token is write-only: a PUT
 * without `token` keeps the saved one, `""` clears it, and no answer ever carries it.
 */
export function relayRoutes({ relay, publishToken }: RelayRoutesContext): Route[] {
  // Literal paths (RELAY_PATH in common/relay.ts names the same), so the auth test's route table sees them.
  return [
    {
      method: 'GET',
      path: '/api/relay',
      handle(req, res) {
        requirePublishToken(req, publishToken());
        sendJson(res, 200, relay.view());
      },
    },
    {
      method: 'PUT',
      path: '/api/relay',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        const input = await readJsonAs(req, RelaySettingsInputSchema, 'Also publish to', 'bad_relay');
        sendJson(res, 200, relay.configure(input));
      },
    },
  ];
}
