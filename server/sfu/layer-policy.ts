/**
 * Which simulcast layer one viewer's link can carry, from the packet loss its browser reports
 * (RTCP receiver reports, judged over windows of a second or more). Loss above 10% means the link
 * is full: the estimate drops to what got through and the viewer goes down at once. Little loss (under 2%) lets the estimate
 * grow 8% per report, so after a while the next layer up is tried; a try that fails soon (loss
 * again) doubles the wait before the next one, up to a minute, so a slow link is not hit with
 * a big keyframe every few seconds. (Loss-based control as in GCC, RFC draft-ietf-rmcat-gcc §6;
 * the node sends no probes, so trying the next layer is the probe.)
 *
 * Not used: the browser's REMB. Chromium's receive-side estimate is capped near 1.5× what it
 * receives and climbs ~8% a second, so for many seconds after joining or stepping up it reads
 * below the layer being sent; taken as a limit it sent every viewer on loopback down to 360p.
 * A delay-based signal would see a filling queue before loss does; werift's TWCC estimator is
 * the way to one (not done).
 */
export interface LayerPolicyOptions {
  /** Loss fraction above which the link is taken as full. */
  lossHigh?: number;
  /** Loss fraction under which the estimate may grow. */
  lossLow?: number;
  /** Wait before the first try up after a step down, ms; doubles with each failed try. */
  baseHoldMs?: number;
  maxHoldMs?: number;
  /** A step down within this long of a step up means the step up failed, ms. */
  failedTryWindowMs?: number;
  /** After a step up, how long the new layer is watched before another step up, ms. */
  settleMs?: number;
}

export class LayerPolicy {
  readonly #lossHigh: number;
  readonly #lossLow: number;
  readonly #baseHoldMs: number;
  readonly #maxHoldMs: number;
  readonly #failedTryWindowMs: number;
  readonly #settleMs: number;
  /** What the link is believed to carry, bits per second. */
  #estimate = Number.POSITIVE_INFINITY;
  #holdUntil = 0;
  #failedTries = 0;
  #lastUpAt: number;
  /** Reports right after a step down still count the old layer's losses: ignored until then. */
  #ignoreLossUntil = 0;

  constructor(now: number, options: LayerPolicyOptions = {}) {
    this.#lossHigh = options.lossHigh ?? 0.1;
    this.#lossLow = options.lossLow ?? 0.02;
    this.#baseHoldMs = options.baseHoldMs ?? 4000;
    this.#maxHoldMs = options.maxHoldMs ?? 60_000;
    this.#failedTryWindowMs = options.failedTryWindowMs ?? 8000;
    this.#settleMs = options.settleMs ?? 3000;
    // Joining is the first try of the top layer; its first moments (a keyframe burst, a busy
    // browser setting up) lose packets that say little about the link.
    this.#lastUpAt = now;
    this.#ignoreLossUntil = now + 2000;
  }

  get estimate(): number {
    return this.#estimate;
  }

  /** Loss over the last window (a second or more), 0–1; `sending`: the bitrate of the layer being sent. */
  onLoss(loss: number, sending: number, now: number): void {
    if (loss > this.#lossHigh) {
      if (now < this.#ignoreLossUntil) return;
      // What got through is what the link carries now.
      this.#estimate = Math.min(this.#estimate, sending * (1 - loss));
    } else if (loss < this.#lossLow && Number.isFinite(this.#estimate)) {
      this.#estimate *= 1.08;
    }
  }

  /**
   * The layer index to send, given the layers' bitrates (lowest quality first) and the current
   * index. Down at once to the best layer that fits; up one step at a time, after the hold.
   */
  choose(bitrates: readonly number[], current: number, now: number): number {
    const top = bitrates.length - 1;
    if (top < 0) return 0;
    current = Math.min(current, top);
    // Nothing to compare before the layers are measured.
    if (!(bitrates[top]! > 0)) return current;
    // Grown well past what the best layer needs: no limit is known any more (and none is
    // invented while a layer's bitrate ramps up).
    if (this.#estimate > bitrates[top]! * 2) this.#estimate = Number.POSITIVE_INFINITY;
    let fits = 0;
    for (let i = 0; i <= top; i++) if (bitrates[i]! <= this.#estimate) fits = i;
    if (fits < current) {
      this.#failedTries = now - this.#lastUpAt < this.#failedTryWindowMs ? this.#failedTries + 1 : 0;
      this.#holdUntil = now + Math.min(this.#maxHoldMs, this.#baseHoldMs * 2 ** this.#failedTries);
      this.#ignoreLossUntil = now + 2000;
      return fits;
    }
    if (fits > current && now >= this.#holdUntil) {
      // One step, then a few loss reports about the new layer before the next.
      this.#lastUpAt = now;
      this.#holdUntil = now + this.#settleMs;
      return current + 1;
    }
    return current;
  }
}
