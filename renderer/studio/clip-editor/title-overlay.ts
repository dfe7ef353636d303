/** Largest and smallest title size, px on the 720-wide short. */
const MAX_FONT = 64;
const MIN_FONT = 40;
const LINES = 2;

/**
 * The title burned into a vertical short: drawn once onto a transparent canvas the size of the
 * short, then laid over every frame. Big, white with a dark outline and shadow (readable on any
 * picture), near the top, wrapped to two lines; a longer title shrinks, then ends with "…".
 */
export function renderTitleOverlay(title: string, width: number, height: number): OffscreenCanvas | undefined {
  const text = title.trim().replace(/\s+/g, ' ');
  if (!text) return undefined;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) return undefined;
  const maxWidth = width * 0.86;
  let font = MAX_FONT;
  let lines = wrap(context, text, maxWidth, font);
  while (lines.overflow && font > MIN_FONT) {
    font -= 4;
    lines = wrap(context, text, maxWidth, font);
  }
  setFont(context, font);
  context.textAlign = 'center';
  context.textBaseline = 'top';
  context.lineJoin = 'round';
  const lineHeight = Math.round(font * 1.18);
  const top = Math.round(height * 0.07);
  lines.lines.forEach((line, index) => {
    const y = top + index * lineHeight;
    context.save();
    context.shadowColor = 'rgba(0, 0, 0, 0.75)';
    context.shadowBlur = font * 0.25;
    context.shadowOffsetY = font * 0.06;
    context.lineWidth = Math.max(4, font * 0.14);
    context.strokeStyle = 'rgba(0, 0, 0, 0.9)';
    context.strokeText(line, width / 2, y);
    context.restore();
    context.fillStyle = '#ffffff';
    context.fillText(line, width / 2, y);
  });
  return canvas;
}

function setFont(context: OffscreenCanvasRenderingContext2D, size: number): void {
  context.font = `800 ${size}px system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`;
}

/** Greedy word wrap into at most two lines; `overflow` when the text did not fit. */
function wrap(context: OffscreenCanvasRenderingContext2D, text: string, maxWidth: number, size: number): { lines: string[]; overflow: boolean } {
  setFont(context, size);
  const fits = (line: string) => context.measureText(line).width <= maxWidth;
  const lines: string[] = [];
  let line = '';
  const words = text.split(' ');
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line) {
      lines.push(line);
      line = '';
      if (lines.length === LINES) return { lines: ellipsize(context, lines, [word, ...words.slice(i + 1)].join(' '), maxWidth), overflow: true };
    }
    // One word wider than a line: cut it by characters.
    if (fits(word)) {
      line = word;
    } else {
      const [head, tail] = cut(context, word, maxWidth);
      lines.push(head);
      if (lines.length === LINES) return { lines: ellipsize(context, lines, [tail, ...words.slice(i + 1)].join(' '), maxWidth), overflow: true };
      words.splice(i + 1, 0, tail);
    }
  }
  if (line) lines.push(line);
  return { lines, overflow: false };
}

/** The last line, with what did not fit, shortened until it ends in "…" and fits. */
function ellipsize(context: OffscreenCanvasRenderingContext2D, lines: string[], rest: string, maxWidth: number): string[] {
  const last = lines.length - 1;
  let text = `${lines[last] ?? ''} ${rest}`;
  const chars = Array.from(text);
  while (chars.length > 1 && context.measureText(`${chars.join('').trimEnd()}…`).width > maxWidth) chars.pop();
  text = `${chars.join('').trimEnd()}…`;
  return [...lines.slice(0, last), text];
}

function cut(context: OffscreenCanvasRenderingContext2D, word: string, maxWidth: number): [string, string] {
  const chars = Array.from(word);
  let count = chars.length;
  while (count > 1 && context.measureText(chars.slice(0, count).join('')).width > maxWidth) count--;
  return [chars.slice(0, count).join(''), chars.slice(count).join('')];
}
