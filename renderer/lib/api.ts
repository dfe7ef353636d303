import { z } from 'zod';
import {
  API_PATHS,
  LocationStateSchema,
  PageSchema,
  ShareSchema,
  StatusSchema,
  chatMessagePath,
  mutePath,
  schedulePath,
  setMarkersPath,
  type LocationState,
  type Page,
  type Share,
  type Status,
} from '../../common/api.js';
import { ChatSettingsSchema, ModerationSchema, MuteSchema, type ChatSettings, type Moderation, type Mute } from '../../common/chat.js';
import { LibrarySchema, type Library } from '../../common/library.js';
import type { LocationInput } from '../../common/location.js';
import { MarkerSchema, type Marker } from '../../common/markers.js';
import { ProfileSchema, type Profile, type ProfileInput } from '../../common/profile.js';
import { ScheduledSetSchema, type ScheduleInput, type ScheduledSet } from '../../common/schedule.js';
import type { SetInfo } from '../../common/set-info.js';
import { bearer, jsonInit, requestJson, requestNoContent } from './node-request.js';

/**
 * The node's JSON API, for the studio. Each call returns a value checked against the shared schema
 * or throws a NodeError whose message is the node's own. (zod makes this studio-only: the viewer
 * gets everything it needs from the events socket.)
 */

const StudioSchema = z.object({ ok: z.literal(true), share: ShareSchema });
const DeletedSchema = z.object({ deleted: z.number() });

/** DELETE one set of the library (not in API_PATHS: it has a parameter). */
const setPath = (id: number) => `/api/sets/${encodeURIComponent(id)}`;

/** The QR code of the viewer URL (an SVG the node draws); public, for an `<img src>`. */
export const SHARE_QR_URL = API_PATHS.shareQr;

export function getStatus(): Promise<Status> {
  return requestJson(API_PATHS.status, { method: 'GET' }, StatusSchema);
}

/** Checks the publish token (401 → NodeError with code 'unauthorized') and returns the share info. */
export async function openStudio(token: string): Promise<Share> {
  const body = await requestJson(API_PATHS.studio, { method: 'GET', headers: bearer(token) }, StudioSchema);
  return body.share;
}

/** Saves the set info (viewers see it at once); returns the node's status. */
export function putSetInfo(token: string, info: SetInfo): Promise<Status> {
  return requestJson(
    API_PATHS.set,
    { method: 'PUT', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(info) },
    StatusSchema,
  );
}

/** Every recorded set, newest first, with signed links a <video> can play and seek. */
export function getLibrary(token: string): Promise<Library> {
  return requestJson(API_PATHS.library, { method: 'GET', headers: bearer(token) }, LibrarySchema);
}

/** Deletes a set and its recordings; the node refuses the live set (409) with a message to show. */
export async function deleteSet(token: string, id: number): Promise<void> {
  await requestJson(setPath(id), { method: 'DELETE', headers: bearer(token) }, DeletedSchema);
}

// ---------- the audience side: page, profile, location, schedule, chat moderation, markers ----------

/** The busker's page as viewers see it (public): profile and upcoming sets. */
export function getPage(): Promise<Page> {
  return requestJson(API_PATHS.page, { method: 'GET' }, PageSchema);
}

/** Saves name, bio and links; the node refuses bad links with a message to show. */
export function putProfile(token: string, input: ProfileInput): Promise<Profile> {
  return requestJson(API_PATHS.profile, jsonInit('PUT', token, input), ProfileSchema);
}

/**
 * Uploads the avatar as raw bytes, sent with the Blob's own type (a File from an `<input>` has it):
 * JPEG, PNG or WebP, at most 1 MiB; the node checks the bytes too.
 */
export function putAvatar(token: string, picture: Blob): Promise<Profile> {
  return requestJson(
    API_PATHS.avatar,
    { method: 'PUT', headers: { ...bearer(token), 'Content-Type': picture.type }, body: picture },
    ProfileSchema,
  );
}

export function deleteAvatar(token: string): Promise<Profile> {
  return requestJson(API_PATHS.avatar, { method: 'DELETE', headers: bearer(token) }, ProfileSchema);
}

/** The location as typed, with its consent, and what viewers see of it. */
export function getLocation(token: string): Promise<LocationState> {
  return requestJson(API_PATHS.location, { method: 'GET', headers: bearer(token) }, LocationStateSchema);
}

export function putLocation(token: string, input: LocationInput): Promise<LocationState> {
  return requestJson(API_PATHS.location, jsonInit('PUT', token, input), LocationStateSchema);
}

const ScheduleListSchema = z.object({ schedule: z.array(ScheduledSetSchema) });

/** Upcoming sets, soonest first. */
export async function getSchedule(token: string): Promise<ScheduledSet[]> {
  return (await requestJson(API_PATHS.schedule, { method: 'GET', headers: bearer(token) }, ScheduleListSchema)).schedule;
}

export function addSchedule(token: string, input: ScheduleInput): Promise<ScheduledSet> {
  return requestJson(API_PATHS.schedule, jsonInit('POST', token, input), ScheduledSetSchema);
}

export function deleteSchedule(token: string, id: number): Promise<void> {
  return requestNoContent(schedulePath(id), { method: 'DELETE', headers: bearer(token) });
}

/** Chat settings and the muted viewers. */
export function getModeration(token: string): Promise<Moderation> {
  return requestJson(API_PATHS.moderation, { method: 'GET', headers: bearer(token) }, ModerationSchema);
}

export function putChatSettings(token: string, settings: ChatSettings): Promise<ChatSettings> {
  return requestJson(API_PATHS.chatSettings, jsonInit('PUT', token, settings), ChatSettingsSchema);
}

/** Removes a message for everyone (they get `chat-deleted`). */
export function deleteChatMessage(token: string, id: number): Promise<void> {
  return requestNoContent(chatMessagePath(id), { method: 'DELETE', headers: bearer(token) });
}

/** Mutes the author of that message. */
export function muteAuthor(token: string, messageId: number): Promise<Mute> {
  return requestJson(API_PATHS.mutes, jsonInit('POST', token, { messageId }), MuteSchema);
}

export function unmute(token: string, key: string): Promise<void> {
  return requestNoContent(mutePath(key), { method: 'DELETE', headers: bearer(token) });
}

const MarkerListSchema = z.object({ markers: z.array(MarkerSchema) });

/** A set's "clip that!" markers, by position. */
export async function getSetMarkers(token: string, setId: number): Promise<Marker[]> {
  return (await requestJson(setMarkersPath(setId), { method: 'GET', headers: bearer(token) }, MarkerListSchema)).markers;
}
