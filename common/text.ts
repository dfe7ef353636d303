/**
 * Cleans text a person typed before anyone else sees it: Unicode NFC, no control characters, no
 * bidirectional overrides (which could make "evil.com" display as "moc.live"), and runs of
 * whitespace (newlines included) folded into one space. Used by the node and the pages alike, so
 * a page can count what the node will count.
 */
export function cleanText(text: string): string {
  return (
    text
      .normalize('NFC')
      // C0/C1 controls and DEL, and the bidi marks: embedding/override/isolate, LRM/RLM/ALM.
      .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * Length as a person counts it: user-perceived characters, so one emoji is one, not two or seven.
 * Browsers without Intl.Segmenter (Firefox before 125) count code points instead: never fewer than
 * the node counts, so a page never lets through what the node refuses.
 */
export function visibleLength(text: string): number {
  if (typeof Intl.Segmenter !== 'function') return Array.from(text).length;
  let count = 0;
  for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) count++;
  return count;
}

/**
 * Whether cleaned text shows anything: not only spaces, format characters (zero-width space and
 * joiner, BOM, word joiner…), lone surrogates or lone combining marks. "\u200b\u200b" is not a message.
 */
export function hasVisibleText(text: string): boolean {
  return /[^\p{Z}\p{Cc}\p{Cf}\p{Cs}\p{M}\s]/u.test(text);
}
