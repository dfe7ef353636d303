import type { EventEmitter } from 'node:events';
import type { QualityPreference } from '../../../common/quality.js';

/** One WHEP session as the stage sees it, wherever its peer runs (this thread or a forwarding thread). */
export interface ViewerSession extends EventEmitter<{ connected: []; close: [reason: string] }> {
  readonly id: string;
  /** Media flows (ICE and DTLS are up). */
  readonly connected: boolean;
  readonly closed: boolean;
  /** The forwarding thread its peer runs on; undefined on the main thread. */
  readonly thread?: number | undefined;
  /** Ends the session; idempotent; emits `close` once. */
  close(reason?: string): void;
}

/**
 * Where a set's viewers live: their peers, their layer choice, their lifetimes. The stage hands
 * it offers and asks it for counts; it never sees a viewer's peer connection. Two kinds:
 * `LocalViewerHost` runs every viewer on the calling thread; `ShardedViewerHost` spreads them
 * over forwarding threads (worker threads), so forwarding grows with the laptop's cores.
 */
export interface ViewerHost {
  /** Negotiates a new viewer session; rejects with a CurbcastError the HTTP layer can show. */
  open(offer: string): Promise<{ viewer: ViewerSession; answer: string }>;
  viewer(id: string): ViewerSession | undefined;
  /** Every session, connected or still negotiating. */
  readonly sessionCount: number;
  /** Sessions whose media flows. */
  readonly viewerCount: number;
  /** A viewer's Auto / High / Medium / Low; false for an unknown session. */
  prefer(viewerId: string, preference: QualityPreference): boolean;
  /** The layer each viewer is sent now, by session (diagnostics and tests). */
  viewerLayers(): Map<string, string | undefined>;
  /** Sessions by forwarding thread index (diagnostics); empty when viewers run on this thread. */
  sessionsByThread(): Map<number, number>;
  /** The stage's layer tick: layers were just measured; choose each viewer's layer. */
  tick(now: number): void;
  /** Closes every session (the set ended). */
  close(reason: string): void;
}

/** What a host tells its stage. */
export interface ViewerHostEvents {
  /** A session connected or closed: the viewer count may have changed. */
  onViewersChanged: () => void;
}
