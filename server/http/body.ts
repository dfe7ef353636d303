import type { IncomingMessage } from 'node:http';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** Reads a request body up to `limitBytes`, refusing early from Content-Length when it can. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    throw new PayloadTooLargeError(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw new PayloadTooLargeError(limitBytes);
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  return text;
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
