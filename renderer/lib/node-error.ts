/**
 * What went wrong talking to the node. Every error the node sends is `{error, message}` with
 * `message` written for a person, so pages show `message` as is; `code` is for decisions.
 */
export class NodeError extends Error {
  override name = 'NodeError';

  constructor(
    /** HTTP status, or 0 when the node could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const UNREACHABLE_MESSAGE = 'Could not reach the node. Is it still running, and is this device on the same network?';

/** fetch, but a refused or failed request throws a NodeError carrying the node's own message. */
export async function fetchFromNode(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new NodeError(0, 'unreachable', UNREACHABLE_MESSAGE);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function errorFrom(response: Response): Promise<NodeError> {
  try {
    const body: unknown = await response.json();
    if (isRecord(body) && typeof body.error === 'string' && typeof body.message === 'string') {
      return new NodeError(response.status, body.error, body.message);
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall through to a generic message.
  }
  return new NodeError(response.status, `http_${response.status}`, `The node answered ${response.status}.`);
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** The message to show a person for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return String(error);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
