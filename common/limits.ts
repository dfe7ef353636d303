/**
 * The audience's limits and timings, as plain values. Kept apart from the zod schemas (which
 * build themselves when their module loads) so the viewer page can import them without bundling
 * zod; the schema modules re-export them.
 */

export const CHAT_LIMITS = {
  /** Characters (graphemes) in one message. */
  text: 300,
  /** Characters in a chosen name. */
  name: 32,
  /** Messages a new viewer is sent on join. */
  history: 50,
  /** Per connection: this many messages at once, then one per `refillMs`. */
  burst: 5,
  refillMs: 2000,
  /** Longest slow mode the busker can set, seconds. */
  slowModeMaxSeconds: 600,
  blockedWords: 200,
  blockedWord: 60,
} as const;

/** Taps closer than this to a marker's latest tap join it (and it counts them). */
export const MARKER_MERGE_MS = 8000;
/** …but one marker never spans more than this, so a long cheering crowd makes several. */
export const MARKER_MAX_SPAN_MS = 30_000;
/** One viewer's taps count at most once per this long. */
export const MARKER_COOLDOWN_MS = 10_000;

/** Connected viewers are told this long before a scheduled set starts. */
export const STARTING_SOON_MS = 5 * 60_000;
/** A scheduled set stays on the page this long past its start time (buskers run late). */
export const SCHEDULE_GRACE_MS = 30 * 60_000;
/** How far ahead a set can be scheduled. */
export const SCHEDULE_HORIZON_MS = 366 * 24 * 3600_000;
/** Upcoming sets kept at once. */
export const SCHEDULE_MAX = 50;

/** Characters in a place name. */
export const PLACE_MAX = 120;
/** The grid an approximate location is snapped to, metres. */
export const APPROXIMATE_GRID_METRES = 500;

export const CLIP_LIMITS = {
  /** Shortest clip, ms. */
  minMs: 1000,
  /** Longest fast-copy clip, ms (a short is short; a long excerpt is the recording itself). */
  maxCopyMs: 10 * 60_000,
  /** Longest vertical short, ms (YouTube Shorts' limit). */
  maxVerticalMs: 3 * 60_000,
  /** A vertical short's frame. */
  verticalWidth: 720,
  verticalHeight: 1280,
  /** Characters in a clip's title. */
  title: 100,
  /** Largest vertical short the studio may upload, bytes. */
  uploadBytes: 300 * 1024 * 1024,
  /** The range suggested around a "clip that!" marker: this much before, the rest after. */
  suggestedMs: 30_000,
  suggestedLeadMs: 20_000,
  /** Comments per short sent to pages. */
  comments: 50,
} as const;
