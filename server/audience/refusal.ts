/**
 * Something a page asked for that the node will not do, with a message for the person and (for
 * `slow_down`) when they may try again. Sent back as an `error` event; never thrown past the hub.
 */
export class Refusal extends Error {
  override name = 'Refusal';

  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function slowDown(retryAfterMs: number, why = 'Slow down'): Refusal {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new Refusal('slow_down', `${why} — you can send again in ${seconds} s.`, retryAfterMs);
}
