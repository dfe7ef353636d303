import type { CropRectangle } from 'mediabunny';
import { element } from '../../lib/dom.js';
import { clamp } from './range.js';

/** The short's shape: width / height. */
const ASPECT = 9 / 16;

/**
 * The 9:16 window over the video preview that says what the vertical short keeps. It spans the
 * picture's full height (its full width, and moves up and down, for a source taller than 9:16),
 * and the busker drags it sideways. Its place is kept as a share of the free room (0–1 each
 * way), so it maps onto any frame size: the preview's, and each decoded frame's while encoding —
 * a WebRTC recording can change resolution mid-set.
 */
export class CropWindow {
  readonly element: HTMLElement;
  readonly #frame: HTMLElement;
  readonly #video: HTMLVideoElement;
  readonly #fallback: { width: number; height: number };
  readonly #onTap: () => void;
  readonly #resize: ResizeObserver;
  #x = 0.5;
  #y = 0.5;
  #drag: { pointerId: number; startX: number; startY: number; x: number; y: number; moved: boolean } | undefined;

  /**
   * `frame` is the positioned box the video fills (object-fit: contain); `fallback` the
   * recording's size until the video knows its own; `onTap` a click that was not a drag.
   */
  constructor(frame: HTMLElement, video: HTMLVideoElement, fallback: { width: number; height: number }, onTap: () => void) {
    this.#frame = frame;
    this.#video = video;
    this.#fallback = fallback;
    this.#onTap = onTap;
    this.element = element('div', 'ce-crop');
    this.element.dataset.testid = 'crop-window';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'slider');
    this.element.setAttribute('aria-label', 'Vertical short: the part of the picture it keeps (9:16)');
    this.element.setAttribute('aria-valuemin', '0');
    this.element.setAttribute('aria-valuemax', '100');
    this.element.title = 'Drag to choose what the vertical short shows';
    this.element.append(element('span', 'ce-crop-label', '9:16'));
    frame.append(this.element);

    this.element.addEventListener('pointerdown', this.#onPointerDown);
    this.element.addEventListener('pointermove', this.#onPointerMove);
    this.element.addEventListener('pointerup', this.#onPointerUp);
    this.element.addEventListener('pointercancel', this.#onPointerUp);
    this.element.addEventListener('keydown', this.#onKeyDown);
    video.addEventListener('loadedmetadata', this.layout);
    video.addEventListener('resize', this.layout);
    this.#resize = new ResizeObserver(() => this.layout());
    this.#resize.observe(frame);
    this.layout();
  }

  /** Where the window sits in the free room, 0–1 each way (0.5 = centred). */
  get position(): { x: number; y: number } {
    return { x: this.#x, y: this.#y };
  }

  /** The crop rectangle for a frame of this size, in its pixels (whole, even numbers for encoders). */
  cropFor(width: number, height: number): CropRectangle {
    const { w, h } = windowSize(width, height);
    const cropWidth = Math.max(2, Math.min(width, evenFloor(w)));
    const cropHeight = Math.max(2, Math.min(height, evenFloor(h)));
    return {
      left: Math.round(this.#x * (width - cropWidth)),
      top: Math.round(this.#y * (height - cropHeight)),
      width: cropWidth,
      height: cropHeight,
    };
  }

  dispose(): void {
    this.#resize.disconnect();
    this.#video.removeEventListener('loadedmetadata', this.layout);
    this.#video.removeEventListener('resize', this.layout);
    this.element.remove();
  }

  /** Places the window over the picture as the video shows it (letterboxed inside the frame). */
  readonly layout = (): void => {
    const picture = this.#picture();
    const { w, h } = windowSize(picture.width, picture.height);
    const left = picture.left + this.#x * (picture.width - w);
    const top = picture.top + this.#y * (picture.height - h);
    Object.assign(this.element.style, { left: `${left}px`, top: `${top}px`, width: `${w}px`, height: `${h}px` });
    const sideways = picture.width - w > 0.5;
    this.element.setAttribute('aria-orientation', sideways ? 'horizontal' : 'vertical');
    this.element.setAttribute('aria-valuenow', String(Math.round((sideways ? this.#x : this.#y) * 100)));
  };

  /** The picture's box inside the frame, CSS px. */
  #picture(): { left: number; top: number; width: number; height: number } {
    const boxWidth = this.#frame.clientWidth;
    const boxHeight = this.#frame.clientHeight;
    const sourceWidth = this.#video.videoWidth || this.#fallback.width;
    const sourceHeight = this.#video.videoHeight || this.#fallback.height;
    const scale = Math.min(boxWidth / sourceWidth, boxHeight / sourceHeight) || 0;
    const width = sourceWidth * scale;
    const height = sourceHeight * scale;
    return { left: (boxWidth - width) / 2, top: (boxHeight - height) / 2, width, height };
  }

  #moveBy(dxPx: number, dyPx: number, from: { x: number; y: number }): void {
    const picture = this.#picture();
    const { w, h } = windowSize(picture.width, picture.height);
    const roomX = picture.width - w;
    const roomY = picture.height - h;
    this.#x = roomX > 0.5 ? clamp(from.x + dxPx / roomX, 0, 1) : 0.5;
    this.#y = roomY > 0.5 ? clamp(from.y + dyPx / roomY, 0, 1) : 0.5;
    this.layout();
  }

  readonly #onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) return;
    event.preventDefault();
    this.element.focus({ preventScroll: true });
    this.element.setPointerCapture(event.pointerId);
    this.#drag = { pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, x: this.#x, y: this.#y, moved: false };
    this.element.classList.add('is-dragging');
  };

  readonly #onPointerMove = (event: PointerEvent): void => {
    const drag = this.#drag;
    if (drag?.pointerId !== event.pointerId) return;
    const dx = event.clientX - drag.startX;
    const dy = event.clientY - drag.startY;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    this.#moveBy(dx, dy, drag);
  };

  readonly #onPointerUp = (event: PointerEvent): void => {
    const drag = this.#drag;
    if (drag?.pointerId !== event.pointerId) return;
    this.#drag = undefined;
    this.element.classList.remove('is-dragging');
    if (this.element.hasPointerCapture(event.pointerId)) this.element.releasePointerCapture(event.pointerId);
    if (!drag.moved && event.type === 'pointerup') this.#onTap();
  };

  /** Arrows move the window (a tenth of the room, a hundredth with Shift) instead of the playhead. */
  readonly #onKeyDown = (event: KeyboardEvent): void => {
    const steps: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const step = steps[event.key];
    if (!step || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopPropagation();
    const size = event.shiftKey ? 0.01 : 0.1;
    this.#x = clamp(this.#x + step[0] * size, 0, 1);
    this.#y = clamp(this.#y + step[1] * size, 0, 1);
    this.layout();
  };
}

/** The window's size inside a picture of this size: full height at 9:16, or full width if the picture is narrower. */
function windowSize(width: number, height: number): { w: number; h: number } {
  if (width <= 0 || height <= 0) return { w: 0, h: 0 };
  const w = Math.min(width, height * ASPECT);
  return { w, h: w / ASPECT };
}

function evenFloor(value: number): number {
  return Math.floor(value / 2) * 2;
}
