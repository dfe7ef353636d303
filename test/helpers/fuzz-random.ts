/**
 * A small deterministic random source for the fuzz test: sfc32 seeded from one number, so a
 * failing input can be made again from the seed the test prints. No dependency: the generators
 * need only ints, picks and bytes.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** `n` characters from `alphabet` (default: printable ASCII). */
  text(n: number, alphabet = PRINTABLE): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** A child generator: each fuzz family gets its own stream, so adding one does not shift the others. */
  fork(label: string): Rng {
    let h = this.seed >>> 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }
}

export const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** Characters that break parsers and renderers: controls, bidi, zero-width, surrogates, emoji, combining marks. */
export const NASTY_CHARS = [
  '\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00a0',
  '\u200b', '\u200d', '\u200e', '\u202e', '\u2066', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff',
  '\ud800', '\udfff', '\u0301', '\u0336', '😀', '👨‍👩‍👧‍👦', '🏳️‍🌈', 'ﷺ', '𒐫', '<', '>', '&', '"', "'", '\\', '%', '{', '}',
];

/** Values of the wrong type for any JSON field. */
export function wrongValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 12)) {
    case 0: return null;
    case 1: return rng.bool();
    case 2: return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, -0]);
    case 3: return rng.text(rng.int(20));
    case 4: return rng.text(rng.between(300, 3000));
    case 5: return Array.from({ length: rng.int(5) }, () => rng.pick(NASTY_CHARS)).join('');
    case 6: return '';
    case 7: return rng.pick(['NaN', 'Infinity', '-1', '1e309', '0x10', '__proto__', 'constructor', '../../etc/passwd']);
    case 8: return {};
    case 9: return Array.from({ length: rng.int(4) }, () => wrongValue(rng, depth + 1));
    case 10: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(['__proto__', 'constructor', 'x', 'type', '']), wrongValue(rng, depth + 1)]));
    default: return [[[[[]]]]];
  }
}
