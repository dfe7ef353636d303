import './style.css';
import { byId, byTestId } from '../lib/dom.js';
import { EventsClient } from '../lib/events-client.js';
import { guardServerEvent } from '../lib/events-guard.js';
import { Player, framesDecoded, type ViewerState } from './player.js';
import { SetView } from './set-view.js';

/**
 * The viewer: what a passer-by's phone opens from the QR code. Wiring only. No zod here (see
 * lib/events-guard.ts): every kilobyte is downloaded over someone's mobile data.
 */

declare global {
  interface Window {
    /** For tests: frames shown so far by the player. */
    __curbcast?: { framesDecoded(): number };
  }
}

const video = byTestId('player', HTMLVideoElement);
const offline = byTestId('offline', HTMLElement);
const screenNote = byId('screen-note', HTMLElement);
const reachNote = byId('reach-note', HTMLElement);

const view = new SetView({
  title: byTestId('set-title', HTMLElement),
  fallbackTitle: byId('fallback-title', HTMLElement),
  hashtags: byTestId('set-hashtags', HTMLElement),
  description: byTestId('set-description', HTMLElement),
  viewerCount: byTestId('viewer-count', HTMLElement),
  offlineHeadline: byId('offline-headline', HTMLElement),
});

const player = new Player({
  video,
  unmute: byTestId('unmute', HTMLButtonElement),
  onState: showState,
});

function showState(state: ViewerState, note: string): void {
  document.body.dataset.state = state;
  offline.hidden = state !== 'offline';
  screenNote.textContent = note;
  screenNote.hidden = note === '';
}

let heardFromNode = false;
const events = new EventsClient({
  validate: guardServerEvent,
  onStatus: (status) => {
    heardFromNode = true;
    view.show(status);
    player.setLive(status.live);
  },
  onViewers: (count) => view.count(count),
  onConnectionChange: (state) => {
    const lost = state === 'reconnecting';
    reachNote.hidden = !lost;
    // Never reached the node yet: say so, rather than "connecting" for ever.
    if (lost && !heardFromNode) player.setLive(false);
  },
});

window.__curbcast = { framesDecoded: () => framesDecoded(video) };

window.addEventListener('pagehide', () => {
  player.close();
  events.close();
});
// Back from the back/forward cache: the sessions were closed on the way out, so start afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
