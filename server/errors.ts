/**
 * The few errors the node raises on purpose. Each carries the HTTP status it maps to and a
 * machine-readable code; `message` is written for a person and shown as is by the pages.
 */
export class CurbcastError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends CurbcastError {
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}

export class UnauthorizedError extends CurbcastError {
  constructor(message = 'This needs the publish token (Authorization: Bearer <token>).') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends CurbcastError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends CurbcastError {
  constructor(message = 'Not found.', code = 'not_found') {
    super(404, code, message);
  }
}

export class MethodNotAllowedError extends CurbcastError {
  constructor(readonly allow: string[]) {
    super(405, 'method_not_allowed', `Method not allowed here; use ${allow.join(', ')}.`);
  }
}

export class ConflictError extends CurbcastError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends CurbcastError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The body is larger than the ${limitBytes} bytes allowed here.`);
  }
}

export class UnsupportedMediaTypeError extends CurbcastError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', `The body must be sent as Content-Type: ${expected}.`);
  }
}

/** Too many requests from one address (a token bucket ran dry); `retryAfterSeconds` becomes Retry-After. */
export class TooManyRequestsError extends CurbcastError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'rate_limited',
  ) {
    super(429, code, message);
  }
}

/** The node cannot take this now (e.g. as many viewers as it can serve); `retryAfterSeconds` becomes Retry-After. */
export class ServiceUnavailableError extends CurbcastError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'full',
  ) {
    super(503, code, message);
  }
}

/** The node's disk is full (or not writable): nothing was kept. */
export class InsufficientStorageError extends CurbcastError {
  constructor(message: string) {
    super(507, 'insufficient_storage', message);
  }
}

/** The object is closed and refuses further work (mediasoup's InvalidStateError). */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}
