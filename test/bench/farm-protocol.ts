/** Messages between the bench (parent) and the viewer farm (child process, IPC). */

export type FarmRequest =
  | { id: number; cmd: 'add'; baseUrl: string; count: number; joinTimeoutMs: number }
  | { id: number; cmd: 'snapshot' }
  | { id: number; cmd: 'stop' };

export type FarmReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Counters for one SSRC, on extended (unwrapped) sequence numbers. */
export interface SsrcCounters {
  ssrc: number;
  kind: 'audio' | 'video';
  packets: number;
  bytes: number;
  firstSeq: number;
  maxSeq: number;
}

export interface ViewerSnapshot {
  index: number;
  state: string;
  ssrcs: SsrcCounters[];
}

export interface FarmSnapshot {
  /** performance.now() of the farm when taken, ms. */
  at: number;
  viewers: ViewerSnapshot[];
}

export interface AddResult {
  /** Viewers that got a 201 and their first video packet. */
  joined: number;
  failed: Array<{ index: number; error: string }>;
  /** POST /whep → first video packet, ms, per joined viewer. */
  joinMs: number[];
  total: number;
}

export interface StopResult {
  deleted: number;
  deleteFailures: number;
}
