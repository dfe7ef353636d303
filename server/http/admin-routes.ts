import { requirePublishToken } from '../auth.js';
import type { Gauges } from '../diagnostics/gauges.js';
import { sendJson } from './respond.js';
import type { Route } from './router.js';

export interface AdminContext {
  publishToken: () => string;
  /** Reads the node's gauges; `gc` forces a collection first (when the node runs with --expose-gc). */
  gauges: (options: { gc: boolean }) => Promise<Gauges>;
}

/** The busker's (and tests') view of the node's insides: admin only, never cached. */
export function adminRoutes({ publishToken, gauges }: AdminContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/admin/gauges',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        const gc = new URL(req.url ?? '/', 'http://node').searchParams.get('gc') === '1';
        sendJson(res, 200, await gauges({ gc }));
      },
    },
  ];
}
