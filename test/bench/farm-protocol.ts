/** Messages between the bench (parent) and the viewer farm (child process, IPC). */

export type FarmRequest =
  | { id: number; cmd: 'add'; baseUrl: string; count: number; joinTimeoutMs: number }
  /**
   * Viewers of a Janus Streaming mountpoint, over Janus's HTTP API (the `janus` bench section),
   * their ICE bound to `iceAddress` (Janus's own: it refuses to pair with loopback).
   */
  | { id: number; cmd: 'addJanus'; apiUrl: string; mountpoint: number; iceAddress: string; count: number; joinTimeoutMs: number }
  /** Closes the `count` most recently added viewers (WHEP DELETE first), e.g. to step an audience down. */
  | { id: number; cmd: 'remove'; count: number }
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
  /** VP8 keyframes seen, and the frame size of the last one (with simulcast: the layer being sent). */
  keyframes?: number;
  width?: number;
  height?: number;
}

export interface ViewerSnapshot {
  index: number;
  state: string;
  ssrcs: SsrcCounters[];
  /** NACK packets the viewer sent, and the sequence numbers it asked for in them (see viewer-farm.ts). */
  nacks?: number;
  nackedPackets?: number;
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
