/**
 * Why a relay attempt failed, in a sentence for the busker. `retryable: false` when trying again
 * cannot help (the target refused the token, or has no WHIP endpoint there): the relay then waits
 * for new settings or the next set instead of knocking every few seconds.
 */
export class RelayError extends Error {
  override name = 'RelayError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The target asked for this wait (Retry-After), ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Longest excerpt of a target's error body shown to the busker. */
const EXCERPT_CHARS = 160;

/** A non-201 answer to the WHIP POST, as a RelayError. `body` is already read (and short). */
export function refusalError(host: string, status: number, statusText: string, body: string, secrets: readonly string[], retryAfter: string | null): RelayError {
  const said = excerpt(body, secrets);
  const answered = `${status}${statusText ? ` ${statusText}` : ''}${said ? `: ${said}` : ''}`;
  if (status === 401 || status === 403) {
    return new RelayError(`${host} refused the token (${answered}) — check the bearer token.`, false);
  }
  if (status === 404) {
    return new RelayError(`${host} has no WHIP endpoint at this address (${answered}) — check the URL.`, false);
  }
  const retryAfterMs = retryAfterToMs(retryAfter);
  return new RelayError(`${host} answered ${answered}.`, true, retryAfterMs);
}

/** fetch's own failure (no answer at all) in words: refused, unknown host, timed out… */
export function unreachableError(host: string, error: unknown, timeoutMs: number): RelayError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new RelayError(`${host} did not answer within ${Math.round(timeoutMs / 1000)} s.`, true);
  }
  const code = causeCode(error);
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused (is it running?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'no such host (check the address, or the network)'
        : code === 'ECONNRESET'
          ? 'the connection was reset'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'the network cannot reach it'
            : code?.startsWith('ERR_TLS') || code?.includes('CERT')
              ? 'its TLS certificate was not accepted'
              : code ?? 'no answer';
  return new RelayError(`Could not reach ${host}: ${why}.`, true);
}

/**
 * A short, one-line excerpt of what the target said: the `message` of a JSON error (Curbcast,
 * many engines), else the text itself; never a secret it may have echoed back.
 */
export function excerpt(body: string, secrets: readonly string[]): string {
  let text = body;
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object') {
      const fields = json as Record<string, unknown>;
      const message = fields.message ?? fields.error;
      if (typeof message === 'string') text = message;
    }
  } catch {
    // not JSON: the text as it is
  }
  for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('…');
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

function retryAfterToMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 300) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), 300_000);
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
