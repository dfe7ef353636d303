import type { Marker } from '../../common/markers.js';
import { element, formatElapsed } from '../lib/dom.js';

export interface MarkersListElements {
  /** The `<ol>`: one item per marker, by position in the recording. */
  list: HTMLElement;
  /** The hint shown while there are none. */
  empty: HTMLElement;
  /** "3 moments · 12 taps". */
  total: HTMLElement;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/**
 * The live set's "clip that!" moments, from `marker` events: a new id adds a row in its place by
 * position, a known id updates its count in place (the node sends every marker again on hello).
 * A marker of another set starts the list afresh; the last set's stay until then.
 */
export class MarkersList {
  readonly #el: MarkersListElements;
  readonly #markers = new Map<number, { marker: Marker; item: HTMLLIElement }>();
  #setId: number | undefined;

  constructor(elements: MarkersListElements) {
    this.#el = elements;
    this.#renderTotal();
  }

  show(marker: Marker): void {
    if (this.#setId !== marker.setId) {
      this.#setId = marker.setId;
      this.#markers.clear();
      this.#el.list.replaceChildren();
    }
    const known = this.#markers.get(marker.id);
    if (known) {
      known.marker = marker;
      fill(known.item, marker);
    } else {
      const item = element('li', 'marker-item');
      item.dataset.testid = 'marker-item';
      item.dataset.markerId = String(marker.id);
      fill(item, marker);
      this.#markers.set(marker.id, { marker, item });
      const after = [...this.#markers.values()].find((other) => other.item.isConnected && compare(other.marker, marker) > 0);
      this.#el.list.insertBefore(item, after?.item ?? null);
    }
    this.#renderTotal();
  }

  #renderTotal(): void {
    const count = this.#markers.size;
    let taps = 0;
    for (const { marker } of this.#markers.values()) taps += marker.count;
    this.#el.empty.hidden = count > 0;
    this.#el.total.textContent = count === 0 ? '' : `${count} ${count === 1 ? 'moment' : 'moments'} · ${taps} ${taps === 1 ? 'tap' : 'taps'}`;
  }
}

/** By position in the recording; unrecorded ones by when they were made. */
function compare(a: Marker, b: Marker): number {
  return (a.offsetMs ?? Infinity) - (b.offsetMs ?? Infinity) || a.createdAt - b.createdAt;
}

function fill(item: HTMLLIElement, marker: Marker): void {
  const position = element('span', 'marker-position', marker.offsetMs === null ? 'not recorded' : formatElapsed(marker.offsetMs));
  position.dataset.testid = 'marker-position';
  position.title = marker.offsetMs === null ? 'This set was not being recorded' : 'Position in the recording';
  const count = element('span', 'marker-count', `×${marker.count}`);
  count.dataset.testid = 'marker-count';
  count.setAttribute('aria-label', `${marker.count} ${marker.count === 1 ? 'tap' : 'taps'}`);
  const when = element('time', 'marker-when', marker.kind === 'busker' ? `yours · ${CLOCK.format(marker.createdAt)}` : CLOCK.format(marker.createdAt));
  when.dateTime = new Date(marker.createdAt).toISOString();
  item.replaceChildren(position, count, when);
  item.classList.toggle('is-hot', marker.count >= 5);
}
