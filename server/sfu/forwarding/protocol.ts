/**
 * The messages between the main thread and a forwarding thread (worker_threads). Everything here
 * is structured-cloneable: plain data, no class instances. Each thread ignores what it does not
 * expect (a message about a session or set it no longer knows), because a close can cross a
 * message already on its way.
 */
import type { QualityPreference } from '../../../common/quality.js';
import type { NegotiationOptions } from '../negotiate.js';
import type { IceSettings } from '../peer-config.js';
import type { LayerState } from '../video-layers.js';

/** A codec as it crosses threads (werift's RTCRtpCodecParameters is a class). */
export interface CodecData {
  mimeType: string;
  clockRate: number;
  channels?: number | undefined;
  payloadType?: number | undefined;
  parameters?: string | undefined;
  rtcpFeedback: Array<{ type: string; parameter?: string | undefined }>;
}

/** Which of the set's tracks a packet belongs to: 'audio', or 'video:' + the layer's rid. */
export type TrackId = 'audio' | `video:${string}`;

/** How every viewer peer of the node is set up (the same for every set). */
export interface PeerSettings {
  ice: IceSettings;
  negotiation: NegotiationOptions;
  connectTimeoutMs: number;
  silenceTimeoutMs: number;
}

export type ToShard =
  /** A set went live: the thread mirrors its tracks. `set` numbers sets, so late messages of an ended one are told apart. */
  | { type: 'set-begin'; set: number; peers: PeerSettings; audio: CodecData | undefined; video: CodecData | undefined; layers: LayerState[] }
  | { type: 'set-end'; set: number }
  /** One RTP packet of a track (serialized; the buffer is transferred), posted at `postedAt` (Date.now()). */
  | { type: 'rtp'; set: number; track: TrackId; packet: Uint8Array; postedAt: number }
  /** The layers were measured (the stage's tick): the thread's selectors choose. */
  | { type: 'layers'; set: number; layers: LayerState[] }
  /**
   * The publisher is gone (VideoLayers.detach): the thread drops these layers' cached groups, as
   * the main thread does. Posted at once, between the old session's packets and the new one's.
   */
  | { type: 'layers-detached'; set: number; layers: string[] }
  | { type: 'open'; set: number; viewer: string; offer: string }
  | { type: 'close'; viewer: string; reason: string }
  | { type: 'prefer'; viewer: string; preference: QualityPreference }
  /** Diagnostics: the thread's counts (after a collection when `gc`). */
  | { type: 'gauges'; request: number; gc: boolean }
  /** Tests: the thread blocks for `ms`, as a thread that cannot keep up does. */
  | { type: 'stall-for-test'; ms: number };

export type FromShard =
  | { type: 'ready' }
  | { type: 'answer'; viewer: string; answer: string }
  | { type: 'open-failed'; viewer: string; error: ShardError }
  | { type: 'connected'; viewer: string }
  | { type: 'closed'; viewer: string; reason: string }
  /** A viewer's decoder (or a layer switch) needs a keyframe of that track. */
  | { type: 'keyframe'; set: number; track: TrackId }
  /** After each layers tick: the layer each of the thread's viewers is sent. */
  | { type: 'viewer-layers'; set: number; layers: Array<[viewer: string, layer: string | undefined]> }
  | { type: 'gauges'; request: number; snapshot: ShardGauges }
  /** One pino log line (JSON) of the thread's, for the node's log. */
  | { type: 'log'; line: string };

/** An error as it crosses threads: a CurbcastError's status and code, or a plain message. */
export interface ShardError {
  status: number | undefined;
  code: string | undefined;
  message: string;
}

/** What a forwarding thread is started with (worker_threads' workerData). */
export interface ShardStart {
  /** Its number, for the log. */
  index: number;
  logLevel: string;
}

/** One forwarding thread's own counts, merged into the node's gauges. */
export interface ShardGauges {
  open: Record<string, number>;
  inMemory: Record<string, number>;
  resources: Record<string, number>;
  /** The thread's own JS heap (each thread has its own V8 isolate), bytes. */
  heapUsed: number;
  heapTotal: number;
  gcForced: boolean;
  /** Packets dropped because they waited too long in the thread's queue (stale-packets.ts). */
  shed: { audio: number; video: number };
}
