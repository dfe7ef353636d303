import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/**
 * Reads a request body up to `limitBytes`, refusing early from Content-Length when it can. On
 * refusal the rest of the upload is drained, not read, and the connection is marked to close,
 * so a keep-alive client never reuses a half-read socket.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return (await readBodyBytes(req, limitBytes)).toString('utf8');
}

/** `readBody` for binary uploads (the avatar). */
export function readBodyBytes(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refuse = () => {
      req.removeAllListeners('data');
      req.resume();
      req.socket.setKeepAlive?.(false);
      reject(new PayloadTooLargeError(limitBytes));
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) return refuse();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return refuse();
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Checks the media type (parameters such as charset are allowed). */
export function requireContentType(req: IncomingMessage, expected: string): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== expected) throw new UnsupportedMediaTypeError(expected);
}

export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  requireContentType(req, 'application/json');
  const text = await readBody(req, limitBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('The body is not valid JSON.', 'bad_json');
  }
}

/** Bodies of the JSON API: small. */
export const MAX_JSON_BYTES = 16 * 1024;

/**
 * Reads a JSON body and checks it against `schema`; a refusal says, for a person, what was wrong
 * and where: "Profile: links #1 url: a link must be a full http:// or https:// address".
 */
export async function readJsonAs<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string, code: string): Promise<T> {
  const parsed = schema.safeParse(await readJson(req, MAX_JSON_BYTES));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = (issue?.path ?? []).map((part) => (typeof part === 'number' ? `#${part + 1}` : String(part))).join(' ');
  throw new BadRequestError(`${what}: ${where ? `${where}: ` : ''}${issue?.message ?? 'not valid'}`, code);
}
