import { FRAME_MS } from './range.js';

/** What a key does in the editor. */
export type KeyAction =
  | { kind: 'in' }
  | { kind: 'out' }
  | { kind: 'nudge'; ms: number }
  | { kind: 'play' }
  | { kind: 'loop' };

/**
 * The editor's keyboard: I / O set the in / out point at the playhead, ← / → move it a second
 * (a frame with Shift), Space plays or pauses, L loops the range. Keys typed into a field, or with
 * Ctrl / Alt / Cmd (the browser's own shortcuts), are left alone; Space on a button presses it.
 */
export function keyAction(event: KeyboardEvent): KeyAction | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return undefined;
  if (isTextField(event.target)) return undefined;
  switch (event.key) {
    case 'i':
    case 'I':
      return { kind: 'in' };
    case 'o':
    case 'O':
      return { kind: 'out' };
    case 'l':
    case 'L':
      return { kind: 'loop' };
    case 'ArrowLeft':
      return { kind: 'nudge', ms: event.shiftKey ? -FRAME_MS : -1000 };
    case 'ArrowRight':
      return { kind: 'nudge', ms: event.shiftKey ? FRAME_MS : 1000 };
    case ' ':
      return event.target instanceof HTMLButtonElement ? undefined : { kind: 'play' };
    default:
      return undefined;
  }
}

function isTextField(target: EventTarget | null): boolean {
  if (target instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
}
