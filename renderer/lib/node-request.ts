import type { z } from 'zod';
import { NodeError, fetchFromNode } from './node-error.js';

/**
 * The studio's way of calling the node's JSON API, shared by api.ts, clips-api.ts and shorts-api.ts:
 * every answer is checked against a shared schema, a refusal throws a NodeError with the node's own
 * message, and nothing is cached (the library changes under the page).
 */

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** A JSON body with the publish token. */
export function jsonInit(method: 'PUT' | 'POST' | 'PATCH', token: string, body: unknown): RequestInit {
  return { method, headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

export async function requestJson<T>(path: string, init: RequestInit, schema: z.ZodType<T>): Promise<T> {
  const response = await fetchFromNode(path, { ...init, cache: 'no-store' });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new NodeError(response.status, 'bad_response', `The node's answer to ${path} was not JSON.`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new NodeError(response.status, 'bad_response', `The node's answer to ${path} was not understood.`);
  return parsed.data;
}

/** For answers without a body (204): a refusal still throws the node's message; nothing is parsed. */
export async function requestNoContent(path: string, init: RequestInit): Promise<void> {
  const response = await fetchFromNode(path, { ...init, cache: 'no-store' });
  // Drain whatever there is (nothing, for a 204) so the connection can be reused.
  await response.body?.cancel().catch(() => undefined);
}
