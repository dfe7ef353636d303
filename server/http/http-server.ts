import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { sendError } from './respond.js';
import { Router, methodNotAllowed, type Route } from './router.js';
import { serveStatic } from './static-files.js';

export interface HttpServerOptions {
  routes: Route[];
  pagesDir: string;
  logger: Logger;
}

/**
 * CORS, decided per route. What viewers' pages use (`public` routes: status, the busker's page,
 * shorts and their media, the share QR, WHEP) answers any origin with `*` — a player embedded on
 * another site may watch — and never with credentials (the node uses no cookies). Everything else
 * (WHIP, every admin route, signed media) is for the node's own pages, which are same-origin and
 * never preflight: a preflight from a foreign origin is refused (403, no Allow-* headers), and
 * their answers carry no CORS headers, so a foreign page cannot read them even if it had a token.
 */
const PUBLIC_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  // Link: the STUN/TURN servers on a WHEP 201 (RFC 9725 §4.6).
  'Access-Control-Expose-Headers': 'Location, Link, Retry-After',
};
const PREFLIGHT_MAX_AGE = '600';

export function createHttpServer({ routes, pagesDir, logger }: HttpServerOptions): Server {
  const router = new Router(routes);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error, logger));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = pathOf(req);
    const isApi = pathname.startsWith('/api/') || pathname.startsWith('/whip') || pathname.startsWith('/whep');
    if (req.method === 'OPTIONS' && preflight(req, res, pathname, isApi)) return;
    const match = router.match(req.method ?? 'GET', pathname);
    if (match.kind === 'found') {
      if (match.route.public) for (const [name, value] of Object.entries(PUBLIC_CORS_HEADERS)) res.setHeader(name, value);
      await match.route.handle(req, res, match.params);
      return;
    }
    if (match.kind === 'wrong-method') throw methodNotAllowed(match.allow);
    if (!isApi && (await serveStatic(pagesDir, req, res, pathname))) return;
    throw new NotFoundError(`Nothing at ${pathname}.`);
  }

  /** Answers a CORS preflight; false when the request is not one (an OPTIONS elsewhere goes on as usual). */
  function preflight(req: IncomingMessage, res: ServerResponse, pathname: string, isApi: boolean): boolean {
    const wanted = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
    const match = router.match(wanted, pathname);
    if (match.kind === 'found' && match.route.public) {
      res.writeHead(204, {
        ...PUBLIC_CORS_HEADERS,
        'Access-Control-Allow-Methods': `${wanted}, OPTIONS`,
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      });
      res.end();
      return true;
    }
    if (!isApi && match.kind === 'none') return false;
    throw new ForbiddenError('Only the pages this node serves may call this (cross-origin requests are refused).', 'cors_refused');
  }

  return server;
}

/**
 * The request's path. An origin-form target ("/a/b") is always a path — even "//a/b", which
 * `new URL(target, base)` would read as a host ("a") and the path "/b" — and an absolute-form one
 * ("http://host/a/b") gives its own path.
 */
export function pathOf(req: IncomingMessage): string {
  const target = req.url ?? '/';
  try {
    return target.startsWith('/') ? new URL(`http://node${target}`).pathname : new URL(target).pathname;
  } catch {
    // "*" and other targets that are not URLs: a path no route or page has.
    return target.startsWith('/') ? '/' : `/${target}`;
  }
}
