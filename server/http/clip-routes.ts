import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { CopyClipRequestSchema, ClipUpdateSchema, type Timeline } from '../../common/clips.js';
import { requirePublishToken } from '../auth.js';
import type { ClipExporter } from '../clips/clip-exporter.js';
import type { ClipFiles } from '../clips/clip-files.js';
import { openClipSource } from '../clips/clip-source.js';
import type { ShortsGallery } from '../clips/shorts-gallery.js';
import { receiveVerticalShort } from '../clips/vertical-upload.js';
import { NotFoundError } from '../errors.js';
import { chatDensity } from '../library/chat.js';
import type { WritableDB } from '../library/database.js';
import { recordingMarkers } from '../library/markers.js';
import { getSet } from '../library/sets.js';
import type { MediaLinks } from '../media-links.js';
import { readJsonAs } from './body.js';
import { sendJson } from './respond.js';
import { idParam, type Route } from './router.js';
import { sendFileRange } from './send-file.js';

export interface ClipRoutesContext {
  db: WritableDB;
  files: ClipFiles;
  exporter: ClipExporter;
  gallery: ShortsGallery;
  links: MediaLinks;
  publishToken: () => string;
}

/** Chat density bars: at most this many under the timeline. */
const CHAT_BUCKETS_MAX = 400;

/** The clip editor, fast-copy exports, vertical uploads, the gallery and public shorts (docs/clips-api.md). */
export function clipRoutes({ db, files, exporter, gallery, links, publishToken }: ClipRoutesContext): Route[] {
  const admin = (req: IncomingMessage) => requirePublishToken(req, publishToken());
  return [
    {
      method: 'GET',
      path: '/api/recordings/:id/timeline',
      async handle(req, res, params) {
        admin(req);
        const { recording, facts } = await openClipSource(db, files.dataDir, idParam(params.id));
        const bucketMs = Math.max(1000, Math.ceil(facts.durationMs / CHAT_BUCKETS_MAX / 1000) * 1000);
        const buckets = Math.max(1, Math.ceil(facts.durationMs / bucketMs));
        const timeline: Timeline = {
          recordingId: recording.id,
          setId: recording.setId,
          title: getSet(db, recording.setId)?.title ?? '',
          durationMs: facts.durationMs,
          width: facts.width,
          height: facts.height,
          mediaUrl: links.recording(recording.id),
          keyframesMs: facts.keyframesMs,
          markers: recordingMarkers(db, recording.id),
          chat: { bucketMs, counts: chatDensity(db, recording.id, bucketMs, buckets) },
        };
        sendJson(res, 200, timeline);
      },
    },
    {
      method: 'POST',
      path: '/api/clips',
      async handle(req, res) {
        admin(req);
        sendJson(res, 202, await exporter.start(await readJsonAs(req, CopyClipRequestSchema, 'Clip', 'bad_clip')));
      },
    },
    {
      method: 'GET',
      path: '/api/clips/jobs/:id',
      handle(req, res, params) {
        admin(req);
        const job = exporter.get(params.id ?? '');
        if (!job) throw new NotFoundError('No such export.');
        sendJson(res, 200, job);
      },
    },
    {
      method: 'DELETE',
      path: '/api/clips/jobs/:id',
      handle(req, res, params) {
        admin(req);
        const job = exporter.cancel(params.id ?? '');
        if (!job) throw new NotFoundError('No such export.');
        sendJson(res, 200, job);
      },
    },
    {
      method: 'POST',
      path: '/api/clips/vertical',
      async handle(req, res) {
        admin(req);
        const row = await receiveVerticalShort(req, db, files, new URL(req.url ?? '/', 'http://node'));
        sendJson(res, 201, gallery.toClip(row));
      },
    },
    {
      method: 'GET',
      path: '/api/clips',
      handle(req, res) {
        admin(req);
        sendJson(res, 200, { clips: gallery.clips() });
      },
    },
    {
      method: 'PATCH',
      path: '/api/clips/:id',
      async handle(req, res, params) {
        admin(req);
        const id = idParam(params.id);
        sendJson(res, 200, gallery.update(id, await readJsonAs(req, ClipUpdateSchema, 'Clip', 'bad_clip')));
      },
    },
    {
      method: 'DELETE',
      path: '/api/clips/:id',
      async handle(req, res, params) {
        admin(req);
        if (!(await gallery.delete(idParam(params.id)))) throw new NotFoundError('No such clip.');
        res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      path: '/media/clips/:id',
      async handle(req, res, params) {
        const id = Number(params.id);
        const url = new URL(req.url ?? '/', 'http://node');
        if (!Number.isSafeInteger(id) || !links.verify('clip', id, url.searchParams.get('expires'), url.searchParams.get('sig'))) {
          throw new NotFoundError('No such clip, or the link has expired.');
        }
        await sendMedia(req, res, gallery.clipFile(id));
      },
    },
    {
      method: 'GET',
      path: '/api/shorts',
      public: true,
      handle(_req, res) {
        sendJson(res, 200, { shorts: gallery.shorts() });
      },
    },
    {
      method: 'GET',
      path: '/media/shorts/:id',
      public: true,
      async handle(req, res, params) {
        await sendMedia(req, res, gallery.publishedFile(idParam(params.id)), 'public, max-age=60');
      },
    },
    {
      method: 'DELETE',
      path: '/api/shorts/:id/comments/:commentId',
      handle(req, res, params) {
        admin(req);
        if (!gallery.deleteComment(idParam(params.id), idParam(params.commentId))) throw new NotFoundError('No such comment.');
        res.writeHead(204).end();
      },
    },
  ];
}

async function sendMedia(req: IncomingMessage, res: Parameters<Route['handle']>[1], path: string | undefined, cache?: string): Promise<void> {
  const info = path ? await stat(path).catch(() => undefined) : undefined;
  if (!path || !info?.isFile()) throw new NotFoundError('No such short.');
  const type = path.endsWith('.mkv') ? 'video/x-matroska' : 'video/webm';
  sendFileRange(req, res, { path, size: info.size, type }, { 'X-Content-Type-Options': 'nosniff', ...(cache ? { 'Cache-Control': cache } : {}) });
}
