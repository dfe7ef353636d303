import { rm, stat } from 'node:fs/promises';
import type { Library } from '../../common/library.js';
import { requirePublishToken } from '../auth.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { WritableDB } from '../library/database.js';
import { getRecording, recordingsOfSet, totalRecordingBytes } from '../library/recordings.js';
import { deleteSet, listSets } from '../library/sets.js';
import type { MediaLinks } from '../media-links.js';
import type { SetArchive } from '../record/archive.js';
import { resolveInside } from './static-files.js';
import { sendJson } from './respond.js';
import { sendFileRange } from './send-file.js';
import type { Route } from './router.js';

export interface LibraryContext {
  db: WritableDB;
  dataDir: string;
  archive: SetArchive;
  links: MediaLinks;
  publishToken: () => string;
}

/** The studio's Library: list, play (signed, seekable links) and delete sets. Admin only. */
export function libraryRoutes({ db, dataDir, archive, links, publishToken }: LibraryContext): Route[] {
  const liveSetId = () => archive.liveSetId;
  return [
    {
      method: 'GET',
      path: '/api/library',
      handle(req, res) {
        requirePublishToken(req, publishToken());
        const live = liveSetId();
        const library: Library = {
          sets: listSets(db).map((set) => ({
            id: set.id,
            title: set.title,
            hashtags: set.hashtags,
            description: set.description,
            startedAt: set.startedAt,
            endedAt: set.endedAt,
            endReason: set.endReason,
            live: set.id === live,
            durationMs: set.durationMs,
            sizeBytes: set.sizeBytes,
            recordings: recordingsOfSet(db, set.id).map((r) => ({
              id: r.id,
              status: r.status,
              failure: r.failure,
              startedAt: r.startedAt,
              durationMs: r.durationMs,
              sizeBytes: r.sizeBytes,
              width: r.width,
              height: r.height,
              mediaUrl: links.recording(r.id),
            })),
          })),
          totalBytes: totalRecordingBytes(db),
        };
        sendJson(res, 200, library);
      },
    },
    {
      method: 'DELETE',
      path: '/api/sets/:id',
      async handle(req, res, params) {
        requirePublishToken(req, publishToken());
        const id = Number(params.id);
        if (!Number.isSafeInteger(id)) throw new NotFoundError('No such set.');
        if (id === liveSetId()) throw new ConflictError('This set is live; end it before deleting it.', 'set_live');
        const files = deleteSet(db, id);
        if (!files) throw new NotFoundError('No such set.');
        // Rows first (one transaction), then files: a crash in between leaves only orphan files.
        for (const file of files) {
          const path = resolveInside(dataDir, file);
          if (path) await rm(path, { force: true });
        }
        sendJson(res, 200, { deleted: id });
      },
    },
    {
      method: 'GET',
      path: '/media/recordings/:id',
      async handle(req, res, params) {
        const id = Number(params.id);
        const url = new URL(req.url ?? '/', 'http://node');
        if (!Number.isSafeInteger(id) || !links.verify('recording', id, url.searchParams.get('expires'), url.searchParams.get('sig'))) {
          throw new NotFoundError('No such recording, or the link has expired.');
        }
        const recording = getRecording(db, id);
        const path = recording && resolveInside(dataDir, recording.file);
        const info = path ? await stat(path).catch(() => undefined) : undefined;
        if (!path || !info?.isFile()) throw new NotFoundError('That recording is not on disk any more.');
        sendFileRange(req, res, { path, size: info.size, type: path.endsWith('.mkv') ? 'video/x-matroska' : 'video/webm' });
      },
    },
  ];
}
