/**
 * The playout-delay hint (http://www.webrtc.org/experiments/rtp-hdrext/playout-delay): a header
 * extension on the node's video packets that tells the viewer's browser the range of delay it may
 * hold frames for before showing them. Chromium offers it on every video m-line and applies the
 * last value it saw.
 *
 * The default, 0–400 ms, is Chromium's "low-latency renderer" range (a minimum of 0 and a maximum
 * under 500 ms): frames are shown as soon as they are due and the compositor keeps no queue of
 * them, while the jitter buffer and lip sync may still hold video back up to 400 ms on a bad
 * network. (0–0 would also turn lip sync off: video could not wait for the audio.) Browsers that
 * do not offer the extension simply do not get it.
 *
 * `CURBCAST_PLAYOUT_DELAY=off` leaves it out of the answer (no hint: each browser's own default);
 * `CURBCAST_PLAYOUT_DELAY=<min>-<max>` (ms, multiples of 10 up to 40950) sets another range.
 */
export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

export interface PlayoutDelay {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_PLAYOUT_DELAY: PlayoutDelay = { minMs: 0, maxMs: 400 };

/** The extension carries each bound in 12 bits of 10 ms. */
const GRANULARITY_MS = 10;
const MAX_VALUE = 0xfff;

/** The hint from `CURBCAST_PLAYOUT_DELAY` (see above); undefined when it is off. Throws on a malformed value. */
export function playoutDelayFromEnv(value = process.env.CURBCAST_PLAYOUT_DELAY): PlayoutDelay | undefined {
  if (value === undefined || value === '') return DEFAULT_PLAYOUT_DELAY;
  if (value === 'off') return undefined;
  const match = /^(\d+)-(\d+)$/.exec(value);
  const minMs = Number(match?.[1]);
  const maxMs = Number(match?.[2]);
  if (!match || minMs > maxMs || maxMs / GRANULARITY_MS > MAX_VALUE) {
    throw new Error(`CURBCAST_PLAYOUT_DELAY must be "off" or "<min>-<max>" in ms (min ≤ max ≤ ${MAX_VALUE * GRANULARITY_MS}), not "${value}"`);
  }
  return { minMs, maxMs };
}

/** The extension's 3 bytes: min and max, 12 bits each, in units of 10 ms (rounded down). */
export function playoutDelayPayload({ minMs, maxMs }: PlayoutDelay): Buffer {
  const min = Math.floor(minMs / GRANULARITY_MS);
  const max = Math.floor(maxMs / GRANULARITY_MS);
  return Buffer.from([min >> 4, ((min & 0x0f) << 4) | (max >> 8), max & 0xff]);
}

/** Reads the 3 bytes back (for tests and diagnostics). */
export function readPlayoutDelay(payload: Buffer): PlayoutDelay {
  const min = (payload[0]! << 4) | (payload[1]! >> 4);
  const max = ((payload[1]! & 0x0f) << 8) | payload[2]!;
  return { minMs: min * GRANULARITY_MS, maxMs: max * GRANULARITY_MS };
}

/** This process's hint, read once at start (a malformed value stops the node with the message above). */
export const PLAYOUT_DELAY_HINT = playoutDelayFromEnv();
