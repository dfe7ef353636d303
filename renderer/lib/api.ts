import { z } from 'zod';
import { API_PATHS, ShareSchema, StatusSchema, type Share, type Status } from '../../common/api.js';
import { LibrarySchema, type Library } from '../../common/library.js';
import type { SetInfo } from '../../common/set-info.js';
import { NodeError, fetchFromNode } from './node-error.js';

/**
 * The node's JSON API, for the studio. Each call returns a value checked against the shared schema
 * or throws a NodeError whose message is the node's own. (zod makes this studio-only: the viewer
 * gets everything it needs from the events socket.)
 */

const StudioSchema = z.object({ ok: z.literal(true), share: ShareSchema });
const DeletedSchema = z.object({ deleted: z.number() });

/** DELETE one set of the library (not in API_PATHS: it has a parameter). */
const setPath = (id: number) => `/api/sets/${encodeURIComponent(id)}`;

/** The QR code of the viewer URL (an SVG the node draws); public, for an `<img src>`. */
export const SHARE_QR_URL = API_PATHS.shareQr;

export function getStatus(): Promise<Status> {
  return requestJson(API_PATHS.status, { method: 'GET' }, StatusSchema);
}

/** Checks the publish token (401 → NodeError with code 'unauthorized') and returns the share info. */
export async function openStudio(token: string): Promise<Share> {
  const body = await requestJson(API_PATHS.studio, { method: 'GET', headers: bearer(token) }, StudioSchema);
  return body.share;
}

/** Saves the set info (viewers see it at once); returns the node's status. */
export function putSetInfo(token: string, info: SetInfo): Promise<Status> {
  return requestJson(
    API_PATHS.set,
    { method: 'PUT', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(info) },
    StatusSchema,
  );
}

/** Every recorded set, newest first, with signed links a <video> can play and seek. */
export function getLibrary(token: string): Promise<Library> {
  return requestJson(API_PATHS.library, { method: 'GET', headers: bearer(token) }, LibrarySchema);
}

/** Deletes a set and its recordings; the node refuses the live set (409) with a message to show. */
export async function deleteSet(token: string, id: number): Promise<void> {
  await requestJson(setPath(id), { method: 'DELETE', headers: bearer(token) }, DeletedSchema);
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

async function requestJson<T>(path: string, init: RequestInit, schema: z.ZodType<T>): Promise<T> {
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
