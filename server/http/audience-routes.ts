import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { LocationState } from '../../common/api.js';
import { ChatSettingsSchema } from '../../common/chat.js';
import { LocationInputSchema } from '../../common/location.js';
import { PROFILE_LIMITS, ProfileInputSchema } from '../../common/profile.js';
import { ScheduleInputSchema } from '../../common/schedule.js';
import type { Audience } from '../audience/audience.js';
import { requirePublishToken } from '../auth.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { setMarkers } from '../library/markers.js';
import { getSet } from '../library/sets.js';
import type { ReadableDB } from '../library/database.js';
import { MAX_JSON_BYTES, readBodyBytes, readJson, readJsonAs } from './body.js';
import { sendJson } from './respond.js';
import { idParam, type Route } from './router.js';
import { sendFileRange } from './send-file.js';

export interface AudienceRoutesContext {
  audience: Audience;
  db: ReadableDB;
  publishToken: () => string;
}

/** The busker's page, profile, location consent, schedule and chat moderation (docs/audience-api.md). */
export function audienceRoutes({ audience, db, publishToken }: AudienceRoutesContext): Route[] {
  const admin = (req: IncomingMessage) => requirePublishToken(req, publishToken());
  const locationState = (): LocationState => ({ location: audience.location.draft, shown: audience.location.shown });
  return [
    {
      method: 'GET',
      path: '/api/page',
      public: true,
      handle(_req, res) {
        sendJson(res, 200, audience.page());
      },
    },
    {
      method: 'PUT',
      path: '/api/profile',
      async handle(req, res) {
        admin(req);
        sendJson(res, 200, audience.profile.update(await readJsonAs(req, ProfileInputSchema, 'Profile', 'bad_profile')));
      },
    },
    {
      method: 'GET',
      path: '/api/profile/avatar',
      public: true,
      async handle(req, res) {
        const avatar = audience.profile.avatar;
        const info = avatar ? await stat(avatar.path).catch(() => undefined) : undefined;
        if (!avatar || !info?.isFile()) throw new NotFoundError('The busker has no picture.');
        // The URL carries the version, so it can be cached; nosniff: it is only ever an image.
        sendFileRange(req, res, { path: avatar.path, size: info.size, type: avatar.type }, {
          'Cache-Control': 'public, max-age=86400',
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'",
        });
      },
    },
    {
      method: 'PUT',
      path: '/api/profile/avatar',
      async handle(req, res) {
        admin(req);
        const bytes = await readBodyBytes(req, PROFILE_LIMITS.avatarBytes);
        const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        sendJson(res, 200, await audience.profile.setAvatar(bytes, type));
      },
    },
    {
      method: 'DELETE',
      path: '/api/profile/avatar',
      async handle(req, res) {
        admin(req);
        sendJson(res, 200, await audience.profile.removeAvatar());
      },
    },
    {
      method: 'GET',
      path: '/api/location',
      handle(req, res) {
        admin(req);
        sendJson(res, 200, locationState());
      },
    },
    {
      method: 'PUT',
      path: '/api/location',
      async handle(req, res) {
        admin(req);
        audience.location.update(await readJsonAs(req, LocationInputSchema, 'Location', 'bad_location'));
        sendJson(res, 200, locationState());
      },
    },
    {
      method: 'GET',
      path: '/api/schedule',
      handle(req, res) {
        admin(req);
        sendJson(res, 200, { schedule: audience.scheduler.upcoming() });
      },
    },
    {
      method: 'POST',
      path: '/api/schedule',
      async handle(req, res) {
        admin(req);
        sendJson(res, 201, audience.scheduler.add(await readJsonAs(req, ScheduleInputSchema, 'Schedule', 'bad_schedule')));
      },
    },
    {
      method: 'DELETE',
      path: '/api/schedule/:id',
      handle(req, res, params) {
        admin(req);
        if (!audience.scheduler.remove(idParam(params.id))) throw new NotFoundError('No such scheduled set.');
        res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      path: '/api/chat/moderation',
      handle(req, res) {
        admin(req);
        sendJson(res, 200, { settings: audience.rules.settings, mutes: audience.rules.mutes() });
      },
    },
    {
      method: 'PUT',
      path: '/api/chat/settings',
      async handle(req, res) {
        admin(req);
        const settings = await readJsonAs(req, ChatSettingsSchema, 'Chat settings', 'bad_chat_settings');
        audience.rules.updateSettings(settings);
        sendJson(res, 200, audience.rules.settings);
      },
    },
    {
      method: 'DELETE',
      path: '/api/chat/messages/:id',
      handle(req, res, params) {
        admin(req);
        if (!audience.chat.delete(idParam(params.id))) throw new NotFoundError('No such message (or it was already deleted).');
        res.writeHead(204).end();
      },
    },
    {
      method: 'POST',
      path: '/api/chat/mutes',
      async handle(req, res) {
        admin(req);
        const body = await readJson(req, MAX_JSON_BYTES);
        const messageId = typeof body === 'object' && body !== null ? (body as { messageId?: unknown }).messageId : undefined;
        if (typeof messageId !== 'number' || !Number.isSafeInteger(messageId)) {
          throw new BadRequestError('Give the messageId of a message by the viewer to mute.', 'bad_mute');
        }
        const mute = audience.chat.muteAuthorOf(messageId);
        if (!mute) throw new NotFoundError('No such message.');
        sendJson(res, 201, mute);
      },
    },
    {
      method: 'DELETE',
      path: '/api/chat/mutes/:key',
      handle(req, res, params) {
        admin(req);
        if (!audience.rules.unmute(params.key ?? '')) throw new NotFoundError('That viewer is not muted.');
        res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      path: '/api/sets/:id/markers',
      handle(req, res, params) {
        admin(req);
        const id = idParam(params.id);
        if (!getSet(db, id)) throw new NotFoundError('No such set.');
        sendJson(res, 200, { markers: setMarkers(db, id) });
      },
    },
  ];
}
