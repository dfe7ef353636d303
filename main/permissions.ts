import { sameOrigin } from './origin.js';

/** The permissions the studio uses; everything else is refused, everywhere. */
export const STUDIO_PERMISSIONS = new Set([
  'media', // camera and microphone (getUserMedia)
  'display-capture', // sharing a screen (getDisplayMedia)
  'geolocation', // "Use my current position" for the set's location
  'clipboard-sanitized-write', // copying the viewer link
  'fullscreen', // the players
]);

export type MediaKind = 'camera' | 'microphone';

/** What Electron tells about a request, reduced to what the policy decides on. */
export interface PermissionAsk {
  permission: string;
  /** The URL of the frame asking (Electron's `details.requestingUrl`, or the web contents' URL). */
  requestingUrl: string;
  /** True when a sub-frame asks (the studio has none; an embedded page never gets the camera). */
  isSubFrame?: boolean;
  /** For `media`: Electron's `details.mediaTypes` ('video', 'audio'). */
  mediaTypes?: readonly string[];
}

export interface PermissionPolicyOptions {
  /** The node's origin, once known (http://localhost:PORT). */
  origin: () => string | undefined;
  /**
   * macOS asks the busker once, in the system's own prompt (systemPreferences.askForMediaAccess);
   * elsewhere this resolves true. Without the system's consent the request is refused.
   */
  askSystem?: (kind: MediaKind) => Promise<boolean>;
}

/**
 * Grants the studio's permissions to the node's origin only (main frame), and nothing to any other
 * origin. The camera and mic are also put to the system first on macOS, so the first Go live
 * brings the system prompt rather than a silent failure.
 */
export class PermissionPolicy {
  readonly #options: PermissionPolicyOptions;

  constructor(options: PermissionPolicyOptions) {
    this.#options = options;
  }

  /** Synchronous checks (Electron's permission check handler): the same rule, no prompts. */
  allows(ask: PermissionAsk): boolean {
    const origin = this.#options.origin();
    if (!origin || ask.isSubFrame) return false;
    return STUDIO_PERMISSIONS.has(ask.permission) && sameOrigin(ask.requestingUrl, origin);
  }

  /** Requests (Electron's permission request handler). */
  async decide(ask: PermissionAsk): Promise<boolean> {
    if (!this.allows(ask)) return false;
    if (ask.permission !== 'media' || !this.#options.askSystem) return true;
    const kinds = mediaKinds(ask.mediaTypes);
    for (const kind of kinds) if (!(await this.#options.askSystem(kind))) return false;
    return true;
  }
}

/** Electron's media types as the system names them; none given means both. */
export function mediaKinds(mediaTypes: readonly string[] | undefined): MediaKind[] {
  if (!mediaTypes || mediaTypes.length === 0) return ['camera', 'microphone'];
  const kinds: MediaKind[] = [];
  if (mediaTypes.includes('video')) kinds.push('camera');
  if (mediaTypes.includes('audio')) kinds.push('microphone');
  return kinds;
}
