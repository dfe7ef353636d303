import type { LibraryRecording } from '../../common/library.js';

/** Thumbnail size in canvas pixels (shown at 160×90 CSS px: sharp on a 2× screen). */
const WIDTH = 320;
const HEIGHT = 180;
/** Longest wait for one recording to load and seek before giving up on its picture. */
const TIMEOUT_MS = 8000;

/**
 * One still per recording, taken ~10 s in (halfway through a shorter one): a hidden `<video>` loads the recording (same origin, so
 * the canvas may read it), seeks, and the frame is drawn to a canvas and kept as a small JPEG.
 * One at a time, and each video is released at once, so a long library never holds a dozen
 * decoders or all of the browser's connections to the node (which the API calls need). A picture
 * is taken once per recording and state; a recording without one gets `undefined`.
 */
export class Thumbnails {
  readonly #cache = new Map<string, Promise<string | undefined>>();
  #queue: Promise<unknown> = Promise.resolve();

  get(recording: LibraryRecording): Promise<string | undefined> {
    // The media URL changes with every listing (a fresh signature); the file changes only with its
    // state. The start time is in the key because the node reuses the id of a deleted recording.
    const key = `${recording.id}:${recording.startedAt}:${recording.status}:${recording.sizeBytes ?? ''}`;
    let picture = this.#cache.get(key);
    if (!picture) {
      picture = this.#queue.then(() => grab(recording.mediaUrl));
      this.#queue = picture;
      this.#cache.set(key, picture);
    }
    return picture;
  }
}

async function grab(url: string): Promise<string | undefined> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    video.src = url;
    await once(video, 'loadeddata');
    // 10 s in: past the first seconds of a WebRTC stream, which are blurry while its bitrate ramps up.
    const at = Number.isFinite(video.duration) ? Math.min(10, video.duration / 2) : 0;
    if (at > 0.05) {
      video.currentTime = at;
      await once(video, 'seeked');
    }
    if (!video.videoWidth || !video.videoHeight) return undefined;
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    // Letterboxed into 16:9, as the player shows it.
    const scale = Math.min(WIDTH / video.videoWidth, HEIGHT / video.videoHeight);
    const w = video.videoWidth * scale;
    const h = video.videoHeight * scale;
    context.fillStyle = '#000';
    context.fillRect(0, 0, WIDTH, HEIGHT);
    context.drawImage(video, (WIDTH - w) / 2, (HEIGHT - h) / 2, w, h);
    return canvas.toDataURL('image/jpeg', 0.8);
  } catch {
    return undefined;
  } finally {
    video.removeAttribute('src');
    video.load();
  }
}

/** Resolves on `type`, rejects on the video's error or after TIMEOUT_MS. */
function once(video: HTMLVideoElement, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('timed out')), TIMEOUT_MS);
    const ok = () => finish();
    const failed = () => finish(new Error('could not load'));
    video.addEventListener(type, ok);
    video.addEventListener('error', failed);
    function finish(error?: Error) {
      clearTimeout(timer);
      video.removeEventListener(type, ok);
      video.removeEventListener('error', failed);
      if (error) reject(error);
      else resolve();
    }
  });
}
