import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CurbcastError, MethodNotAllowedError, PayloadTooLargeError, ServiceUnavailableError, TooManyRequestsError } from '../errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * The one place an error becomes an HTTP answer (after Galène's httpError): the node's own errors
 * keep their status and message; anything else is a 500 whose details stay in the log.
 */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  // The client went away mid-request (its body cut short): nobody to answer, nothing went wrong here.
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
    logger.debug({ err: error }, 'request aborted by the client');
    res.destroy();
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof CurbcastError) {
    const headers: Record<string, string> = {};
    if (error instanceof MethodNotAllowedError) headers.Allow = error.allow.join(', ');
    // The rest of an oversized upload is not worth reading: close once the answer is out.
    if (error instanceof PayloadTooLargeError) headers.Connection = 'close';
    if (error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError) {
      headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    }
    sendJson(res, error.status, { error: error.code, message: error.message }, headers);
    return;
  }
  logger.error({ err: error }, 'request failed');
  sendJson(res, 500, { error: 'internal', message: 'Something went wrong on the node; it has been logged.' });
}
