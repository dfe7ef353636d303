import type { PublishToken } from '../auth.js';
import { requirePublishToken } from '../auth.js';
import { sendJson } from './respond.js';
import type { Route } from './router.js';

/**
 * POST /api/token/rotate (admin): a new random publish token, kept where the old one was. The old
 * one stops working at once for every admin route, the events socket's busker `hello` and the
 * signed media links; a set that is live goes on (its WHIP session is already established).
 * 409 `token_fixed` when the token came from the command line or the environment.
 */
export function tokenRoutes(token: PublishToken): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/token/rotate',
      async handle(req, res) {
        requirePublishToken(req, token.value);
        const fresh = await token.rotate();
        sendJson(res, 200, {
          token: fresh,
          message: 'The publish token was changed. OBS (or any other WHIP encoder) needs the new one before it next goes live.',
        });
      },
    },
  ];
}
