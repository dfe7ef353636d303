import { EventEmitter } from 'node:events';
import { MARKER_COOLDOWN_MS, MARKER_MAX_SPAN_MS, MARKER_MERGE_MS, type Marker } from '../../common/markers.js';
import type { WritableDB } from '../library/database.js';
import { countMarkerTap, getMarker, insertMarker, setMarkers } from '../library/markers.js';
import type { SetClock } from '../record/archive.js';
import { Refusal, slowDown } from './refusal.js';

interface OpenMarker {
  id: number;
  setId: number;
  firstTapAt: number;
  lastTapAt: number;
  /** Viewers (by key) already counted: a viewer counts once per marker. */
  tappers: Set<string>;
}

type MarkerBoardEvents = { marker: [Marker] };

/**
 * "Clip that!": viewers' taps become markers on the recording's clock. Taps within a few seconds
 * of each other are one marker with a count (a crowd cheering one moment), each viewer counts
 * once per marker and at most once per cooldown. A marker sits where its first tap landed: the
 * clip editor adds the lead-in, since people tap after the moment they loved.
 */
export class MarkerBoard extends EventEmitter<MarkerBoardEvents> {
  #open: OpenMarker | undefined;
  /** When each viewer (by key) may count again. */
  readonly #cooldownUntil = new Map<string, number>();

  constructor(
    private readonly db: WritableDB,
    private readonly clock: () => SetClock | undefined,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Counts one viewer's tap; throws a Refusal when offline or too soon after their last one. */
  tap(viewerKey: string): Marker {
    const now = this.now();
    const clock = this.clock();
    if (!clock) throw new Refusal('not_live', 'Nothing is live to mark right now.');
    const until = this.#cooldownUntil.get(viewerKey);
    if (until !== undefined && now < until) throw slowDown(until - now, 'Marked already');
    this.#cooldownUntil.set(viewerKey, now + MARKER_COOLDOWN_MS);
    this.#pruneCooldowns(now);

    const open = this.#open;
    const joins =
      open !== undefined &&
      open.setId === clock.setId &&
      now - open.lastTapAt <= MARKER_MERGE_MS &&
      now - open.firstTapAt <= MARKER_MAX_SPAN_MS;
    let marker: Marker;
    if (joins && open) {
      open.lastTapAt = now;
      if (!open.tappers.has(viewerKey)) {
        open.tappers.add(viewerKey);
        countMarkerTap(this.db, open.id, now);
      }
      marker = getMarker(this.db, open.id)!;
    } else {
      marker = insertMarker(this.db, {
        setId: clock.setId,
        recordingId: clock.recordingId,
        offsetMs: clock.offsetMs,
        kind: 'clip-that',
        createdAt: now,
      });
      this.#open = { id: marker.id, setId: clock.setId, firstTapAt: now, lastTapAt: now, tappers: new Set([viewerKey]) };
    }
    this.emit('marker', marker);
    return marker;
  }

  /** The live set's markers (for a studio that connects mid-set). */
  markersOf(setId: number): Marker[] {
    return setMarkers(this.db, setId);
  }

  /** A set ended: nothing carries over to the next. */
  reset(): void {
    this.#open = undefined;
    this.#cooldownUntil.clear();
  }

  #pruneCooldowns(now: number): void {
    if (this.#cooldownUntil.size <= 1000) return;
    for (const [key, until] of this.#cooldownUntil) if (until <= now) this.#cooldownUntil.delete(key);
  }
}
