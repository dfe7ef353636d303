import type { Marker } from '../../../common/markers.js';
import { element } from '../../lib/dom.js';
import { formatClock } from './range.js';

/**
 * The recording's "clip that!" moments as buttons, by position: one press seeks there and selects
 * the suggested range around it (20 s before, 10 s after).
 */
export function renderMarkersPanel(markers: readonly Marker[], pick: (marker: Marker & { offsetMs: number }) => void): HTMLElement {
  const section = element('section', 'ce-markers');
  const heading = element('h3', 'subhead', '“Clip that!” moments');
  const list = element('ol', 'ce-marker-list');
  list.dataset.testid = 'editor-markers';
  const placed = markers
    .filter((marker): marker is Marker & { offsetMs: number } => marker.offsetMs !== null)
    .sort((a, b) => a.offsetMs - b.offsetMs);
  for (const marker of placed) {
    const item = element('li');
    const button = element('button', 'ce-marker');
    button.type = 'button';
    button.dataset.testid = 'editor-marker';
    button.dataset.offsetMs = String(marker.offsetMs);
    button.classList.toggle('is-hot', marker.count >= 5);
    const taps = `${marker.count} ${marker.count === 1 ? 'tap' : 'taps'}`;
    button.setAttribute('aria-label', `${formatClock(marker.offsetMs)}, ${taps}${marker.kind === 'busker' ? ', yours' : ''}: select the range around it`);
    button.append(
      element('span', 'ce-marker-position', formatClock(marker.offsetMs)),
      element('span', 'ce-marker-count', `×${marker.count}`),
    );
    if (marker.kind === 'busker') button.append(element('span', 'ce-marker-kind', 'yours'));
    button.addEventListener('click', () => pick(marker));
    item.append(button);
    list.append(item);
  }
  const empty = element('p', 'form-hint', 'Nobody tapped “clip that!” during this set.');
  empty.hidden = placed.length > 0;
  section.append(heading, list, empty);
  return section;
}
