import type { Timeline } from '../../../common/clips.js';
import { fitCanvas } from './media.js';

/**
 * Chat messages per bucket as bars under the waveform: where the audience got talkative is often
 * where the clip is. Scaled to the busiest bucket.
 */
export function drawChatDensity(canvas: HTMLCanvasElement, chat: Timeline['chat'], durationMs: number): void {
  if (!fitCanvas(canvas)) return;
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const most = chat.counts.reduce((a, b) => Math.max(a, b), 0);
  if (most === 0 || durationMs <= 0 || chat.bucketMs <= 0) return;
  context.fillStyle = '#1a56ff';
  chat.counts.forEach((count, index) => {
    if (count <= 0) return;
    const from = ((index * chat.bucketMs) / durationMs) * width;
    const to = Math.min(width, (((index + 1) * chat.bucketMs) / durationMs) * width);
    if (from >= width) return;
    const bar = Math.max(2, (count / most) * height);
    context.fillRect(Math.floor(from), height - bar, Math.max(1, Math.ceil(to - from) - 1), bar);
  });
}

