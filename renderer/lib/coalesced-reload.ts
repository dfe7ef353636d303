/**
 * A reload that never runs twice at once: calls made while one runs are folded into one more run
 * after it, so the last caller always sees data fetched after its call. `stopped()` ends the
 * repeats (a view that was closed meanwhile).
 */
export class CoalescedReload {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly stopped: () => boolean = () => false,
  ) {}

  request(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.run();
      } while (this.#again && !this.stopped());
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }
}
