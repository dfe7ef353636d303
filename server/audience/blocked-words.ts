/**
 * The busker's blocked-words list. Matching is on whole words (so blocking "ass" does not refuse
 * "class" — the Scunthorpe problem), ignores case and accents ("Café" = "cafe"), and sees through
 * separators people use to dodge a filter ("b.a.d", "b a d" with single letters). A phrase of
 * several words matches those words in a row.
 */
export class BlockedWords {
  readonly #patterns: string[][];

  constructor(words: readonly string[]) {
    this.#patterns = words.map((word) => tokens(word)).filter((t) => t.length > 0);
  }

  /** The first blocked word or phrase `text` contains (as the busker typed it), or undefined. */
  find(text: string): string | undefined {
    if (this.#patterns.length === 0) return undefined;
    const words = tokens(text);
    const readings = [` ${words.join(' ')} `, ` ${joinSpelledOut(words).join(' ')} `];
    return this.#patterns.find((pattern) => readings.some((reading) => reading.includes(` ${pattern.join(' ')} `)))?.join(' ');
  }
}

/** Lower case, accents removed, split into words of letters and digits in any script. */
function tokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** "b a d" / "b.a.d" arrive as single letters: a run of three or more is also read as one word. */
function joinSpelledOut(words: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 3) out.push(run.join(''));
    else out.push(...run);
    run = [];
  };
  for (const word of words) {
    if ([...word].length === 1) run.push(word);
    else {
      flush();
      out.push(word);
    }
  }
  flush();
  return out;
}
