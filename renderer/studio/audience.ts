import type { Status } from '../../common/api.js';
import type { ServerEvent } from '../../common/events.js';
import {
  addSchedule,
  deleteAvatar,
  deleteChatMessage,
  deleteSchedule,
  getLocation,
  getModeration,
  getPage,
  getSchedule,
  muteAuthor,
  putAvatar,
  putChatSettings,
  putLocation,
  putProfile,
  unmute,
} from '../lib/api.js';
import { byId, byTestId } from '../lib/dom.js';
import type { EventsConnectionState } from '../lib/events-client.js';
import { messageOf } from '../lib/node-error.js';
import { AvatarPicker } from './avatar-picker.js';
import { ChatPanel } from './chat-panel.js';
import { LocationForm } from './location-form.js';
import { MarkersList } from './markers-list.js';
import { ModerationPanel } from './moderation-panel.js';
import { ProfileEditor } from './profile-editor.js';
import { ProfileLinks } from './profile-links.js';
import { ScheduleEditor } from './schedule-editor.js';

/**
 * The audience side of the studio, put together from the page: chat and its rules, "clip that!"
 * markers, the location beside the set form, the profile and the schedule. The studio's events
 * client feeds it (`event`, `status`, `serverError`, `connection`); chat messages go out through
 * `sendChat`, which the studio wires to the same socket.
 */
export interface Audience {
  event(event: ServerEvent): void;
  status(status: Status): void;
  serverError(message: string): void;
  connection(state: EventsConnectionState): void;
  /** The Schedule tab was opened. */
  showSchedule(): void;
  close(): void;
}

export function startAudience(token: string, sendChat: (text: string) => boolean): Audience {
  const moderation = new ModerationPanel(
    {
      form: byId('moderation-form', HTMLFormElement),
      slowMode: byTestId('slow-mode', HTMLInputElement),
      blockedWords: byTestId('blocked-words', HTMLTextAreaElement),
      save: byTestId('moderation-save', HTMLButtonElement),
      note: byId('moderation-note', HTMLElement),
      error: byTestId('moderation-error', HTMLElement),
      mutedList: byTestId('muted-list', HTMLElement),
      mutedEmpty: byId('muted-empty', HTMLElement),
    },
    {
      load: () => getModeration(token),
      save: (settings) => putChatSettings(token, settings),
      unmute: (key) => unmute(token, key),
    },
  );

  const chat = new ChatPanel(
    {
      list: byTestId('chat-list', HTMLOListElement),
      empty: byId('chat-empty', HTMLElement),
      state: byTestId('studio-chat-state', HTMLElement),
      error: byTestId('studio-chat-error', HTMLElement),
      form: byId('chat-form', HTMLFormElement),
      input: byTestId('studio-chat-input', HTMLInputElement),
      send: byTestId('studio-chat-send', HTMLButtonElement),
    },
    {
      send: sendChat,
      remove: (id) => deleteChatMessage(token, id),
      mute: (messageId) => muteAuthor(token, messageId),
      onMuted: () => void moderation.reload(),
    },
  );

  const markers = new MarkersList({
    list: byTestId('markers', HTMLElement),
    empty: byId('markers-empty', HTMLElement),
    total: byId('markers-total', HTMLElement),
  });

  const location = new LocationForm(
    {
      form: byId('location-form', HTMLFormElement),
      share: byTestId('location-share', HTMLInputElement),
      place: byTestId('location-place', HTMLInputElement),
      placeCount: byId('location-place-count', HTMLElement),
      lat: byTestId('location-lat', HTMLInputElement),
      lon: byTestId('location-lon', HTMLInputElement),
      here: byTestId('location-here', HTMLButtonElement),
      exact: byTestId('location-precision-exact', HTMLInputElement),
      approximate: byTestId('location-precision-approximate', HTMLInputElement),
      save: byTestId('location-save', HTMLButtonElement),
      note: byId('location-note', HTMLElement),
      error: byTestId('location-error', HTMLElement),
      shown: byTestId('location-shown', HTMLElement),
      when: byId('location-when', HTMLElement),
    },
    { load: () => getLocation(token), save: (input) => putLocation(token, input) },
  );

  // The picture and the links report to the profile editor (made just below): one error line for the card.
  const avatar = new AvatarPicker(
    {
      input: byTestId('avatar-input', HTMLInputElement),
      preview: byTestId('avatar-preview', HTMLImageElement),
      none: byId('avatar-none', HTMLElement),
      remove: byTestId('avatar-remove', HTMLButtonElement),
      label: byId('avatar-label', HTMLElement),
    },
    {
      upload: (picture) => putAvatar(token, picture),
      remove: () => deleteAvatar(token),
      report: (message) => profile.report(message),
    },
  );
  const links = new ProfileLinks(
    { list: byId('profile-links', HTMLElement), add: byTestId('profile-link-add', HTMLButtonElement), count: byId('profile-links-count', HTMLElement) },
    () => profile.changed(),
  );
  const profile = new ProfileEditor(
    {
      form: byId('profile-form', HTMLFormElement),
      name: byTestId('profile-name-input', HTMLInputElement),
      nameCount: byId('profile-name-count', HTMLElement),
      bio: byTestId('profile-bio-input', HTMLTextAreaElement),
      bioCount: byTestId('profile-bio-count', HTMLElement),
      save: byTestId('profile-save', HTMLButtonElement),
      note: byId('profile-note', HTMLElement),
      error: byTestId('profile-error', HTMLElement),
    },
    { links, avatar, save: (input) => putProfile(token, input) },
  );

  const schedule = new ScheduleEditor(
    {
      list: byTestId('schedule-list', HTMLElement),
      empty: byTestId('schedule-empty', HTMLElement),
      listError: byTestId('schedule-list-error', HTMLElement),
      form: byId('schedule-form', HTMLFormElement),
      time: byTestId('schedule-time', HTMLInputElement),
      title: byTestId('schedule-title', HTMLInputElement),
      place: byTestId('schedule-place', HTMLInputElement),
      add: byTestId('schedule-add', HTMLButtonElement),
      note: byId('schedule-note', HTMLElement),
      error: byTestId('schedule-error', HTMLElement),
    },
    { load: () => getSchedule(token), add: (input) => addSchedule(token, input), remove: (id) => deleteSchedule(token, id) },
  );

  // What the node has now; the events socket keeps it current from here on.
  void getPage()
    .then((page) => {
      profile.show(page.profile);
      schedule.show(page.schedule);
    })
    .catch((error: unknown) => profile.report(`Could not load your profile: ${messageOf(error)}`));
  void moderation.reload();
  void location.reload();

  return {
    event(event) {
      switch (event.type) {
        case 'page':
          profile.show(event.profile);
          schedule.show(event.schedule);
          break;
        case 'welcome':
          chat.welcome(event.role);
          break;
        case 'chat-state':
          chat.setState({ open: event.open, slowModeSeconds: event.slowModeSeconds });
          break;
        case 'chat-history':
          chat.history(event.messages);
          break;
        case 'chat':
          chat.add(event.message);
          break;
        case 'chat-deleted':
          chat.deleted(event.id);
          break;
        case 'marker':
          markers.show(event.marker);
          break;
        default:
        // `notice` and `marked` are for viewers; `shorts`, `comment`, `comment-deleted` and
        // `clip-job` go to the Shorts tab (main.ts routes them there, see shorts-events.ts).
      }
    },
    status: (status) => location.status(status),
    serverError: (message) => chat.showError(message),
    connection: (state) => chat.setConnected(state === 'open'),
    showSchedule: () => void schedule.reload(),
    close() {
      chat.close();
      moderation.close();
      location.close();
      avatar.close();
      links.close();
      profile.close();
      schedule.close();
    },
  };
}
