import { CLIP_LIMITS, type Clip, type ClipMode } from '../../common/clips.js';
import { formatElapsed } from '../lib/dom.js';
import { cleanText, visibleLength } from '../../common/text.js';
import { formatSize } from './library-format.js';

/** How the Shorts tab words its clips. Pure functions, like library-format.ts. */

export function clipTitle(clip: Pick<Clip, 'title'>): string {
  return clip.title || 'Untitled short';
}

/** The mode badge, and what it means (its tooltip). */
export function modeLabel(mode: ClipMode): { text: string; hint: string } {
  return mode === 'vertical'
    ? { text: 'vertical 9:16', hint: 'Re-framed for phones, 720×1280' }
    : { text: 'fast copy', hint: 'Cut from the recording as it is, without re-encoding' };
}

/** To the nearest second (formatElapsed floors, as a running clock must): a 5.98 s short is "0:06". */
export function clipDuration(clip: Pick<Clip, 'durationMs' | 'inMs' | 'outMs'>): string {
  const ms = clip.durationMs ?? clip.outMs - clip.inMs;
  return formatElapsed(Math.round(ms / 1000) * 1000);
}

export function clipSize(clip: Pick<Clip, 'sizeBytes'>): string {
  return clip.sizeBytes === null ? '—' : formatSize(clip.sizeBytes);
}

/** "3 shorts · 24.1 MB · 1 on your page". */
export function galleryTotal(clips: readonly Clip[]): string {
  const bytes = clips.reduce((sum, clip) => sum + (clip.sizeBytes ?? 0), 0);
  const published = clips.filter((clip) => clip.published).length;
  return `${clips.length} ${clips.length === 1 ? 'short' : 'shorts'} · ${formatSize(bytes)} · ${published} on your page`;
}

/** The title as the node will store it, or why it cannot be (the same rule as ClipTitleSchema). */
export function checkTitle(raw: string): { title: string } | { problem: string } {
  const title = cleanText(raw);
  if (visibleLength(title) > CLIP_LIMITS.title) return { problem: `A title has at most ${CLIP_LIMITS.title} characters.` };
  return { title };
}

/** Newest first; the node's order, kept after a clip is added here. */
export function byNewest(a: Clip, b: Clip): number {
  return b.createdAt - a.createdAt || b.id - a.id;
}
