import { messageOf } from '../lib/node-error.js';

export type CaptureKind = 'video' | 'audio';

export interface CaptureOptions {
  preview: HTMLVideoElement;
  cameraSelect: HTMLSelectElement;
  micSelect: HTMLSelectElement;
  /** A track was replaced (device switch, or a device that vanished): the live sender must follow. */
  onTrack: (kind: CaptureKind, track: MediaStreamTrack) => void;
  /** Something the busker should know about the devices, or '' when all is well. */
  onProblem: (message: string) => void;
}

/** 1280×720 at 30 fps: sharp on a phone, light enough for a laptop's uplink on a café's Wi-Fi. */
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

/**
 * Music, not a call: voice processing (echo cancellation, noise suppression, auto gain) pumps and
 * cuts instruments, so the microphone is taken as it is.
 */
const AUDIO: MediaTrackConstraints = {
  echoCancellation: false,
  noiseSuppression: false,
  autoGainControl: false,
  channelCount: { ideal: 2 },
};

/**
 * The camera and microphone: asks for them, fills the two pickers, shows the camera in the muted
 * preview and switches devices on demand. Owns its tracks and listeners; `close()` stops them.
 */
export class Capture {
  readonly #options: CaptureOptions;
  readonly #tracks = new Map<CaptureKind, MediaStreamTrack>();
  #closed = false;

  constructor(options: CaptureOptions) {
    this.#options = options;
    options.cameraSelect.addEventListener('change', this.#onCameraPicked);
    options.micSelect.addEventListener('change', this.#onMicPicked);
    navigator.mediaDevices?.addEventListener('devicechange', this.#onDeviceChange);
  }

  get video(): MediaStreamTrack | undefined {
    return this.#tracks.get('video');
  }

  get audio(): MediaStreamTrack | undefined {
    return this.#tracks.get('audio');
  }

  /** Asks for the camera and microphone (the browser's permission prompt) and lists the devices. */
  async start(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#options.onProblem('This browser cannot use a camera here (it needs http://localhost or https).');
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO, audio: AUDIO });
    } catch (error) {
      // A laptop without a microphone (or one in use elsewhere) can still go live with video.
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO });
        this.#options.onProblem(`No microphone: ${describe(error)}`);
      } catch (videoError) {
        this.#options.onProblem(`No camera: ${describe(videoError)}`);
        await this.#listDevices();
        return;
      }
    }
    if (this.#closed) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    for (const track of stream.getTracks()) this.#adopt(track);
    await this.#listDevices();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.cameraSelect.removeEventListener('change', this.#onCameraPicked);
    this.#options.micSelect.removeEventListener('change', this.#onMicPicked);
    navigator.mediaDevices?.removeEventListener('devicechange', this.#onDeviceChange);
    for (const track of this.#tracks.values()) {
      track.removeEventListener('ended', this.#onEnded);
      track.stop();
    }
    this.#tracks.clear();
    this.#options.preview.srcObject = null;
  }

  readonly #onCameraPicked = (): void => void this.#switchTo('video', this.#options.cameraSelect.value);
  readonly #onMicPicked = (): void => void this.#switchTo('audio', this.#options.micSelect.value);
  readonly #onDeviceChange = (): void => void this.#listDevices();

  /** A device unplugged mid-set: fall back to the system's default one of that kind. */
  readonly #onEnded = (event: Event): void => {
    const track = event.target as MediaStreamTrack;
    if (this.#tracks.get(track.kind as CaptureKind) !== track) return;
    this.#options.onProblem(`The ${track.kind === 'video' ? 'camera' : 'microphone'} stopped; switching to the default one.`);
    void this.#switchTo(track.kind as CaptureKind, undefined);
  };

  async #switchTo(kind: CaptureKind, deviceId: string | undefined): Promise<void> {
    const old = this.#tracks.get(kind);
    if (deviceId && old?.getSettings().deviceId === deviceId && old.readyState === 'live') return;
    const constraints = { ...(kind === 'video' ? VIDEO : AUDIO), ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
    let track: MediaStreamTrack | undefined;
    try {
      track = await this.#open(kind, constraints);
    } catch {
      // Some cameras cannot be opened twice at once: free the old one and try again.
      old?.stop();
      try {
        track = await this.#open(kind, constraints);
      } catch (error) {
        this.#options.onProblem(`Could not switch the ${kind === 'video' ? 'camera' : 'microphone'}: ${describe(error)}`);
        await this.#listDevices();
        return;
      }
    }
    if (this.#closed) {
      track.stop();
      return;
    }
    this.#adopt(track);
    this.#options.onProblem('');
    this.#options.onTrack(kind, track);
    if (old) {
      old.removeEventListener('ended', this.#onEnded);
      old.stop();
    }
    await this.#listDevices();
  }

  async #open(kind: CaptureKind, constraints: MediaTrackConstraints): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
    const track = stream.getTracks()[0];
    if (!track) throw new Error('the browser returned no track');
    return track;
  }

  #adopt(track: MediaStreamTrack): void {
    const kind = track.kind as CaptureKind;
    if (kind === 'audio') track.contentHint = 'music';
    // 'detail' keeps the camera's resolution when bandwidth is tight (Chromium otherwise settles at
    // 960×540 under the node's 2.5 Mbit/s REMB; measured by `npm run bench`: with it, 1280×720 at
    // 30 fps and ~2.5 Mbit/s, no quality limitation).
    if (kind === 'video') track.contentHint = 'detail';
    track.addEventListener('ended', this.#onEnded);
    this.#tracks.set(kind, track);
    if (kind === 'video') this.#options.preview.srcObject = new MediaStream([track]);
  }

  /** Fills both pickers (labels are only readable once permission was given). */
  async #listDevices(): Promise<void> {
    let devices: MediaDeviceInfo[] = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      // Leave the pickers as they are.
    }
    if (this.#closed) return;
    fillSelect(this.#options.cameraSelect, devices.filter((d) => d.kind === 'videoinput'), this.video, 'Camera');
    fillSelect(this.#options.micSelect, devices.filter((d) => d.kind === 'audioinput'), this.audio, 'Microphone');
  }
}

function fillSelect(select: HTMLSelectElement, devices: MediaDeviceInfo[], current: MediaStreamTrack | undefined, noun: string): void {
  const currentId = current?.readyState === 'live' ? current.getSettings().deviceId : undefined;
  const options = devices
    .filter((device) => device.deviceId !== '')
    .map((device, i) => {
      const option = document.createElement('option');
      option.value = device.deviceId;
      option.textContent = device.label || `${noun} ${i + 1}`;
      option.selected = device.deviceId === currentId;
      return option;
    });
  if (options.length === 0) {
    const none = document.createElement('option');
    none.value = '';
    none.textContent = `No ${noun.toLowerCase()} found`;
    options.push(none);
  }
  select.replaceChildren(...options);
  select.disabled = options.length <= 1 && options[0]?.value === '';
}

function describe(error: unknown): string {
  if (error instanceof DOMException) {
    switch (error.name) {
      case 'NotAllowedError':
        return 'permission was refused. Allow the camera and microphone for this page, then reload.';
      case 'NotFoundError':
        return 'none is connected.';
      case 'NotReadableError':
        return 'it is in use by another app.';
      case 'OverconstrainedError':
        return 'it cannot do what was asked.';
    }
  }
  return messageOf(error);
}
