/**
 * werift 0.25.2's `ntpTime()`, giving the same value for the same clock reading, at a fraction of
 * the cost. werift calls it for every packet it sends (for abs-send-time and the next sender
 * report). It formats the seconds as a string, splits it, maps both parts, writes them with a
 * generic buffer writer and reads a 64-bit BigInt back, which takes about 1.5 µs a packet.
 *
 * werift's value is not a true NTP timestamp. The low 32 bits are the decimal digits after the
 * point, read as an integer. We keep that quirk on purpose, so that receivers see the same
 * abs-send-time and sender-report values whichever path sent the packet.
 *
 * `ntpTimeNow()` is what the fast path uses: one reading serves every packet sent within
 * READING_REUSE_MS of it (one packet to 150 viewers is 150 sends in a row). That is below what
 * werift's values can show. Because of the quirk, werift's abs-send-time moves by one step per
 * 1.6 ms of real time at best (the 7th decimal digit is 0.1 µs, shifted right by 14 bits), and
 * its sender-report time only tracks the whole second. So every value sent is one werift itself
 * would have produced at most READING_REUSE_MS earlier, and receivers cannot tell the difference.
 */

/** werift evaluates `Date.UTC(1900, 0, 1)` on every call; it is a constant. */
const NTP_EPOCH_MS = Date.UTC(1900, 0, 1);
const UINT32_MAX = 0xffff_ffff;

export interface NtpReading {
  /** What werift stores as the sender's `ntpTimestamp`. */
  ntp: bigint;
  /** The 24-bit abs-send-time werift derives from it: `(ntp >> 14) & 0xffffff`. */
  absSendTime: number;
}

/** A reading with its abs-send-time header extension payload, shared by the packets that use it. */
export interface SharedNtpReading extends NtpReading {
  /** `performance.now()` when it was read. */
  at: number;
  /** `absSendTimePayload(absSendTime)`. Read-only: it goes into every packet sent with this reading. */
  absSendTimePayload: Buffer;
}

/** How long one clock reading serves (see the top of this file for why this is not observable). */
export const READING_REUSE_MS = 1;

let shared: SharedNtpReading | undefined;

/**
 * werift's clock reading as of at most READING_REUSE_MS ago: `readNtpTime()` at most once per
 * READING_REUSE_MS. Undefined where `readNtpTime()` would be (2036).
 */
export function ntpTimeNow(): SharedNtpReading | undefined {
  const now = performance.now();
  if (shared && now >= shared.at && now - shared.at < READING_REUSE_MS) return shared;
  const reading = readNtpTime(now);
  shared = reading && { ...reading, at: now, absSendTimePayload: absSendTimePayload(reading.absSendTime) };
  return shared;
}

/**
 * Reads the clock as werift does, from the `performance.now()` reading `now`. Returns undefined
 * when werift's own `ntpTime()` would throw (the whole seconds no longer fit in 32 bits, in 2036).
 * The caller then lets werift handle the packet.
 */
export function readNtpTime(now = performance.now()): NtpReading | undefined {
  // The same expression, in the same order, as werift: the floating-point result must match.
  const seconds = (performance.timeOrigin + now - NTP_EPOCH_MS) / 1e3;
  const text = String(seconds);
  const dot = text.indexOf('.');
  const whole = Number(dot === -1 ? text : text.slice(0, dot));
  // werift writes `undefined` when there is no fractional part. Buffer.writeUIntBE turns that into 0.
  const fraction = dot === -1 ? 0 : Number(text.slice(dot + 1));
  if (!(whole >= 0 && whole <= UINT32_MAX && fraction >= 0 && fraction <= UINT32_MAX)) return undefined;
  return {
    ntp: wholeSecondsHigh(whole) | BigInt(fraction),
    // Bits 14..37 of the 64-bit value: the low 6 bits of `whole`, then the top 18 bits of `fraction`.
    absSendTime: ((whole & 0x3f) << 18) | (fraction >>> 14),
  };
}

/** `BigInt(whole) << 32n`, remembered for the current second: one BigInt fewer per packet. */
let lastWhole = -1;
let lastWholeHigh = 0n;
function wholeSecondsHigh(whole: number): bigint {
  if (whole !== lastWhole) {
    lastWhole = whole;
    lastWholeHigh = BigInt(whole) << 32n;
  }
  return lastWholeHigh;
}

/** abs-send-time as werift's `serializeAbsSendTime()` writes it: 3 bytes, big-endian. */
export function absSendTimePayload(absSendTime: number): Buffer {
  const payload = Buffer.allocUnsafe(3);
  payload.writeUIntBE(absSendTime, 0, 3);
  return payload;
}
