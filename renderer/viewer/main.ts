import './style.css';
import type { ServerEvent, ServerEventOf } from '../../common/events.js';
import { tabClientId } from '../lib/client-id.js';
import { byId, byTestId } from '../lib/dom.js';
import { EventsClient } from '../lib/events-client.js';
import { guardServerEvent } from '../lib/events-guard.js';
import { prefetchIceServers } from '../lib/ice.js';
import { ChatPanel } from './chat-panel.js';
import { loadChatName } from './chat-name.js';
import { ClipThat } from './clip-that.js';
import { LocationView } from './location-view.js';
import { NoticeBanner } from './notice-banner.js';
import { Player, framesDecoded, type ViewerState } from './player.js';
import { QualityMenu } from './quality-menu.js';
import { ProfileView } from './profile-view.js';
import { ScheduleView } from './schedule-view.js';
import { SetView } from './set-view.js';
import { ShortsView } from './shorts-view.js';

/**
 * The viewer: what a passer-by's phone opens from the QR code. Wiring only. No zod here (see
 * lib/events-guard.ts; plain limits come from common/limits.ts): every kilobyte is downloaded over someone's mobile data.
 */

declare global {
  interface Window {
    /** For tests: frames shown so far by the player. */
    __curbcast?: { framesDecoded(): number };
  }
}

const video = byTestId('player', HTMLVideoElement);
const offline = byTestId('offline', HTMLElement);
const laptopFull = byTestId('laptop-full', HTMLElement);
const laptopFullMessage = byTestId('laptop-full-message', HTMLElement);
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
  // `?relay=1`: play through the busker's TURN server only — a diagnostics and testing aid (docs/turn.md).
  iceTransportPolicy: new URLSearchParams(location.search).get('relay') === '1' ? 'relay' : undefined,
  // Asked now, while the events socket connects, rather than after the set is known to be live.
  iceServers: prefetchIceServers('/whep'),
});

const quality = new QualityMenu(
  {
    box: byTestId('quality-box', HTMLElement),
    select: byTestId('quality', HTMLSelectElement),
    size: byTestId('quality-size', HTMLElement),
    video,
  },
  (preference) => player.setQuality(preference),
);

const profile = new ProfileView({
  root: byTestId('profile', HTMLElement),
  avatar: byTestId('profile-avatar', HTMLImageElement),
  name: byTestId('profile-name', HTMLElement),
  bio: byTestId('profile-bio', HTMLElement),
  links: byTestId('profile-links', HTMLUListElement),
});

const place = new LocationView({
  root: byTestId('location', HTMLElement),
  place: byTestId('location-place', HTMLElement),
  precision: byTestId('location-precision', HTMLElement),
  map: byTestId('location-map', HTMLAnchorElement),
  directions: byTestId('location-directions', HTMLAnchorElement),
});

const schedule = new ScheduleView({
  nextSet: byTestId('next-set', HTMLElement),
  title: byTestId('next-set-title', HTMLElement),
  place: byTestId('next-set-place', HTMLElement),
  when: byTestId('next-set-when', HTMLTimeElement),
  countdown: byTestId('next-set-countdown', HTMLElement),
  later: byId('schedule-later', HTMLElement),
  laterList: byTestId('schedule-list', HTMLUListElement),
});

const notice = new NoticeBanner({
  root: byTestId('notice', HTMLElement),
  text: byId('notice-text', HTMLElement),
  dismiss: byTestId('notice-dismiss', HTMLButtonElement),
});

const clip = new ClipThat({
  button: byTestId('clip-that', HTMLButtonElement),
  ack: byTestId('clip-that-ack', HTMLElement),
  send: (event) => events.send(event),
});

const chatNameInput = byTestId('chat-name-input', HTMLInputElement);
const chat = new ChatPanel({
  elements: {
    list: byTestId('chat-list', HTMLOListElement),
    you: byTestId('chat-you', HTMLElement),
    muted: byTestId('chat-muted', HTMLElement),
    slowMode: byTestId('chat-slow-mode', HTMLElement),
    closed: byTestId('chat-closed', HTMLElement),
    error: byTestId('chat-error', HTMLElement),
    messageForm: byId('chat-compose', HTMLFormElement),
    input: byTestId('chat-input', HTMLInputElement),
    send: byTestId('chat-send', HTMLButtonElement),
    remaining: byTestId('chat-remaining', HTMLElement),
    nameForm: byId('chat-name-form', HTMLFormElement),
    nameInput: chatNameInput,
  },
  send: (event) => events.send(event),
  onNameChange: () => events.sayHello(),
});

const shorts = new ShortsView({
  root: byTestId('shorts', HTMLElement),
  list: byTestId('shorts-list', HTMLElement),
  send: (event) => events.send(event),
  // One name for chat and comments: its box is in the chat panel.
  onChangeName: () => chatNameInput.focus(),
});

function showState(state: ViewerState, note: string): void {
  document.body.dataset.state = state;
  quality.setPlaying(state === 'playing');
  offline.hidden = state !== 'offline';
  laptopFull.hidden = state !== 'full';
  // Full: the node's own words, big, in place of the player (which has nothing to show).
  if (state === 'full') laptopFullMessage.textContent = note;
  screenNote.textContent = state === 'full' ? '' : note;
  screenNote.hidden = note === '' || state === 'full';
}

/** Refusals that can only be about a chat message or a name (the rest: whoever asked last). */
const CHAT_REFUSALS = new Set(['chat_closed', 'muted', 'bad_text', 'blocked_word', 'bad_name']);
/** Refusals never about a comment: "clip that!" while offline, chat closed, a name, the token. */
const NOT_COMMENT_REFUSALS = new Set(['not_live', 'chat_closed', 'bad_name', 'bad_token']);

/**
 * Shows a refusal where the person is looking. While a comment awaits its answer, anything that
 * can be about a comment goes to the short it was sent on. `not_live` answers "clip that!";
 * generic ones (slow_down, hello_first, malformed…) go to "clip that!" while a tap awaits its
 * answer, and otherwise to the chat, where a name or message was the likely cause.
 */
function showServerError(error: Omit<ServerEventOf<'error'>, 'type'>): void {
  if (shorts.awaitingAnswer && !NOT_COMMENT_REFUSALS.has(error.error)) shorts.showError(error);
  else if (error.error === 'not_live' || (clip.awaitingAnswer && !CHAT_REFUSALS.has(error.error))) clip.showError(error.message);
  else chat.showError(error);
}

function onEvent(event: ServerEvent): void {
  switch (event.type) {
    case 'page':
      profile.show(event.profile);
      schedule.setSchedule(event.schedule);
      break;
    case 'welcome':
      chat.welcome(event);
      shorts.welcome(event);
      break;
    case 'chat-state':
      chat.state(event.open, event.slowModeSeconds);
      break;
    case 'chat-history':
      chat.history(event.messages);
      break;
    case 'chat':
      chat.add(event.message);
      break;
    case 'chat-deleted':
      chat.remove(event.id);
      break;
    case 'notice':
      notice.startingSoon(event.set);
      break;
    case 'marked':
      clip.marked(event.count);
      break;
    case 'shorts':
      shorts.replace(event.shorts);
      break;
    case 'comment':
      shorts.add(event.shortId, event.comment);
      break;
    case 'comment-deleted':
      shorts.remove(event.shortId, event.id);
      break;
    default:
      // New types may appear within version 1: ignored (the guard drops them anyway).
      break;
  }
}

let heardFromNode = false;
const events = new EventsClient({
  validate: guardServerEvent,
  hello: () => ({ clientId: tabClientId(), name: loadChatName() }),
  onStatus: (status) => {
    heardFromNode = true;
    view.show(status);
    player.setLive(status.live);
    player.setInterrupted(status.live && status.interrupted);
    place.show(status.location);
    schedule.setLive(status.live);
    notice.setLive(status.live);
    clip.setLive(status.live);
  },
  onViewers: (count) => view.count(count),
  onEvent,
  onServerError: showServerError,
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
  quality.close();
  events.close();
  chat.close();
  clip.close();
  schedule.close();
  notice.close();
  profile.close();
  shorts.close();
});
// Back from the back/forward cache: the sessions were closed on the way out, so start afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
