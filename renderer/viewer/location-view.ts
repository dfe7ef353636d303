import type { PublicLocation } from '../../common/location.js';
import { APPROXIMATE_GRID_METRES } from '../../common/limits.js';

export interface LocationViewElements {
  root: HTMLElement;
  place: HTMLElement;
  /** "approximate (~500 m)". */
  precision: HTMLElement;
  map: HTMLAnchorElement;
  directions: HTMLAnchorElement;
}

/**
 * Where the busker plays, while live and only when they agreed to share it (the node sends null
 * otherwise). When it goes away, every trace of it leaves the page too: a phone left open on
 * this page must not keep showing where the busker was.
 */
export class LocationView {
  readonly #el: LocationViewElements;

  constructor(elements: LocationViewElements) {
    this.#el = elements;
    this.show(null);
  }

  show(location: PublicLocation | null): void {
    const { root, place, precision, map, directions } = this.#el;
    if (!location) {
      root.hidden = true;
      place.textContent = '';
      precision.hidden = true;
      map.removeAttribute('href');
      directions.removeAttribute('href');
      directions.hidden = true;
      return;
    }
    // Coordinates without a name still deserve a line to hang the links on.
    place.textContent = location.place || 'Shared on the map';
    precision.textContent = `approximate (~${APPROXIMATE_GRID_METRES} m)`;
    precision.hidden = location.precision !== 'approximate';
    map.href = location.mapUrl;
    if (location.directionsUrl) directions.href = location.directionsUrl;
    else directions.removeAttribute('href');
    directions.hidden = location.directionsUrl === null;
    root.hidden = false;
  }
}
