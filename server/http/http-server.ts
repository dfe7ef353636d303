import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { NotFoundError } from '../errors.js';
import { sendError } from './respond.js';
import { Router, methodNotAllowed, type Route } from './router.js';
import { serveStatic } from './static-files.js';

export interface HttpServerOptions {
  routes: Route[];
  pagesDir: string;
  logger: Logger;
}

/**
 * WHIP/WHEP and the JSON API are open to any origin (RFC 9725 §4.3: browsers on other sites may
 * publish or play). Credentials are bearer tokens, never cookies, so `*` exposes nothing.
 */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
  'Access-Control-Expose-Headers': 'Location, Link, ETag',
  'Access-Control-Max-Age': '600',
};

export function createHttpServer({ routes, pagesDir, logger }: HttpServerOptions): Server {
  const router = new Router(routes);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error, logger));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = pathOf(req);
    const isApi = pathname.startsWith('/api/') || pathname.startsWith('/whip') || pathname.startsWith('/whep');
    if (isApi) for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === 'OPTIONS' && isApi) {
      res.writeHead(204).end();
      return;
    }
    const match = router.match(req.method ?? 'GET', pathname);
    if (match.kind === 'found') {
      await match.route.handle(req, res, match.params);
      return;
    }
    if (match.kind === 'wrong-method') throw methodNotAllowed(match.allow);
    if (!isApi && (await serveStatic(pagesDir, req, res, pathname))) return;
    throw new NotFoundError(`Nothing at ${pathname}.`);
  }

  return server;
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://node').pathname;
  } catch {
    return '/';
  }
}
