import { instances } from '../diagnostics/gauges.js';

/**
 * Notices a peer that has gone quiet. werift's ICE-lite agent never runs consent freshness
 * (RFC 7675), so a phone that walks out of Wi-Fi range would otherwise stay a "viewer" forever.
 * Peers call `activity()` on every sign of life (RTP from a publisher, RTCP reports from a
 * viewer — browsers send them about once a second); a counter keeps the hot path to one increment.
 */
export class SilenceWatch {
  #count = 0;
  #seen = -1;
  readonly #timer: NodeJS.Timeout;
  readonly #untrack = instances.track('silence-watch', this);

  constructor(timeoutMs: number, onSilent: () => void) {
    // Checking every half timeout means a silent peer is dropped after 1–1.5 × timeoutMs.
    this.#timer = setInterval(() => {
      if (this.#count === this.#seen) {
        this.stop();
        onSilent();
        return;
      }
      this.#seen = this.#count;
    }, Math.max(10, timeoutMs / 2));
  }

  activity(): void {
    this.#count++;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#untrack();
  }
}
