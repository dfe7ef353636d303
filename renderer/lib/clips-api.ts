import {
  ClipJobSchema,
  ClipSchema,
  TimelineSchema,
  clipJobPath,
  timelinePath,
  verticalUploadPath,
  type Clip,
  type ClipJob,
  type Timeline,
} from '../../common/clips.js';
import { NodeError, UNREACHABLE_MESSAGE, isRecord } from './node-error.js';
import { bearer, jsonInit, requestJson } from './node-request.js';

/**
 * The clip editor's calls to the node (docs/clips-api.md). Like lib/api.ts: every answer is checked
 * against the shared schema, and a refusal throws a NodeError carrying the node's own message.
 */

/** The range and title of a clip, on the recording's clock (ms). */
export interface ClipRequest {
  recordingId: number;
  inMs: number;
  outMs: number;
  title: string;
}

const CLIPS_PATH = '/api/clips';

/** What the editor draws under the video: duration, keyframes, markers, chat density, a signed media link. */
export function getTimeline(token: string, recordingId: number): Promise<Timeline> {
  return requestJson(timelinePath(recordingId), { method: 'GET', headers: bearer(token) }, TimelineSchema);
}

/** Starts a fast copy in the node (202): follow it with `clip-job` events or getClipJob. */
export function startCopyClip(token: string, request: ClipRequest): Promise<ClipJob> {
  const body = { recordingId: request.recordingId, inMs: Math.round(request.inMs), outMs: Math.round(request.outMs), title: request.title };
  return requestJson(CLIPS_PATH, jsonInit('POST', token, body), ClipJobSchema);
}

export function getClipJob(token: string, id: string): Promise<ClipJob> {
  return requestJson(clipJobPath(id), { method: 'GET', headers: bearer(token) }, ClipJobSchema);
}

/** Cancels a running fast copy; the node leaves nothing behind and answers with the job (`cancelled`). */
export function cancelClipJob(token: string, id: string): Promise<ClipJob> {
  return requestJson(clipJobPath(id), { method: 'DELETE', headers: bearer(token) }, ClipJobSchema);
}

/**
 * Uploads a vertical short encoded in the page (201 → the Clip). XMLHttpRequest rather than fetch,
 * because only it reports upload progress. `onProgress` gets 0–1; aborting `signal` stops the
 * upload and rejects with an AbortError (the node drops a body that never finished).
 */
export function uploadVerticalShort(
  token: string,
  request: ClipRequest,
  video: Blob,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Clip> {
  return new Promise<Clip>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbortSignal = () => xhr.abort();
    const settle = (finish: () => void) => {
      signal?.removeEventListener('abort', onAbortSignal);
      finish();
    };
    signal?.addEventListener('abort', onAbortSignal, { once: true });
    xhr.open('POST', verticalUploadPath(request));
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', 'video/webm');
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () =>
      settle(() => {
        const body = parseJson(xhr.responseText);
        if (xhr.status < 200 || xhr.status >= 300) {
          reject(nodeErrorFrom(xhr.status, body));
          return;
        }
        const parsed = ClipSchema.safeParse(body);
        if (parsed.success) {
          onProgress(1);
          resolve(parsed.data);
        } else {
          reject(new NodeError(xhr.status, 'bad_response', `The node's answer to ${CLIPS_PATH}/vertical was not understood.`));
        }
      }),
    );
    xhr.addEventListener('error', () => settle(() => reject(new NodeError(0, 'unreachable', UNREACHABLE_MESSAGE))));
    xhr.addEventListener('abort', () => settle(() => reject(abortError())));
    xhr.send(video);
  });
}


function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The node's `{error, message}` as a NodeError (a generic message when the body is something else). */
function nodeErrorFrom(status: number, body: unknown): NodeError {
  if (isRecord(body) && typeof body.error === 'string' && typeof body.message === 'string') {
    return new NodeError(status, body.error, body.message);
  }
  return new NodeError(status, `http_${status}`, `The node answered ${status}.`);
}
