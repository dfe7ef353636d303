/**
 * The Content-Security-Policy the desktop app enforces on the node's pages (main.ts sets it with
 * `session.webRequest.onHeadersReceived`, replacing the node's own header for the app's origin).
 *
 * Stricter than the node's (server/http/static-files.ts), which must let phones' browsers talk to
 * whatever address they reached the node by: here the origin is known, so sockets go to that
 * origin only, and everything else is shut (`default-src 'none'`). What the studio needs:
 * scripts and styles from the node (Vite's build; styles also set inline by the page), the camera
 * preview and recordings (`mediastream:`, `blob:`, the node's signed media links), the QR code
 * and thumbnails (`data:`, `blob:`), the events WebSocket, and mediabunny's workers, which it
 * makes from `blob:` URLs in the clip editor.
 */
export function contentSecurityPolicy(origin: string): string {
  const { protocol, host } = new URL(origin);
  const socket = `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self' ${socket}`,
    "worker-src 'self' blob:",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Response headers with the app's CSP in place of any the node sent (header names are matched
 * without regard to case: two policies would both apply, the looser one gaining nothing).
 */
export function withCsp(headers: Record<string, string[]> | undefined, origin: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [contentSecurityPolicy(origin)];
  return out;
}
