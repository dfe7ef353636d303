import type { IncomingMessage, ServerResponse } from 'node:http';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';

export type Params = Record<string, string | undefined>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A literal path with `:name` segments, e.g. '/whip/:id'. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, params: Params): void | Promise<void>;
  /**
   * What viewers' pages use (status, the busker's page, shorts, WHEP): answered to any origin
   * (CORS `*`, never credentials). Every other route is for the node's own pages only.
   */
  public?: true;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Params }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'none' };

/** A small path router: exact segments and `:params`, nothing clever. */
export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.#routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { ...route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  match(method: string, pathname: string): RouteMatch {
    const allow: string[] = [];
    for (const route of this.#routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.method !== method) {
        allow.push(route.method);
        continue;
      }
      const params: Params = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponentSafe(found[i + 1] ?? '')));
      return { kind: 'found', route, params };
    }
    return allow.length > 0 ? { kind: 'wrong-method', allow } : { kind: 'none' };
  }
}

export function methodNotAllowed(allow: string[]): MethodNotAllowedError {
  return new MethodNotAllowedError([...new Set([...allow, 'OPTIONS'])]);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A positive integer id from the path; anything else is simply not found. */
export function idParam(value: string | undefined): number {
  const id = Number(value);
  if (!value || !Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
  return id;
}
