import { LocationInputSchema, NO_LOCATION, publicLocation, type LocationInput, type PublicLocation } from '../../common/location.js';
import type { WritableDB } from '../library/database.js';
import { readSetting, writeSetting } from '../library/settings.js';
import type { Sfu } from '../sfu/sfu.js';

/**
 * The busker's consent to show where they play. The draft (place, coordinates, precision) is kept
 * on the busker's own machine for next time; `share` is per set — off at start-up and switched
 * off whenever a set ends — and only `publicLocation()` of a consented draft ever reaches the SFU's
 * status, which is all viewers see.
 */
export class LocationConsent {
  #draft: LocationInput;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: WritableDB,
    private readonly sfu: Sfu,
  ) {
    const stored = readSetting(db, 'location-draft', LocationInputSchema, NO_LOCATION);
    // A node that starts has no set yet: whatever was agreed for an earlier set no longer holds.
    this.#draft = { ...stored, share: false };
    sfu.setLocation(null);
    const onEnded = () => this.#withdraw();
    sfu.on('stage-ended', onEnded);
    this.#unsubscribe = () => sfu.off('stage-ended', onEnded);
  }

  get draft(): LocationInput {
    return this.#draft;
  }

  /** What viewers are shown while live, or null. */
  get shown(): PublicLocation | null {
    return publicLocation(this.#draft);
  }

  update(draft: LocationInput): void {
    this.#draft = draft;
    writeSetting(this.db, 'location-draft', draft);
    this.sfu.setLocation(publicLocation(draft));
  }

  close(): void {
    this.#unsubscribe();
  }

  #withdraw(): void {
    if (!this.#draft.share) return;
    this.update({ ...this.#draft, share: false });
  }
}
