/** The origin of a URL (`http://localhost:8788`), or undefined for something that is not one. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

/** True when `url` is on exactly `origin` (scheme, host and port). */
export function sameOrigin(url: string, origin: string): boolean {
  return originOf(url) === origin;
}
