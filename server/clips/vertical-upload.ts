import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CLIP_LIMITS, ClipTitleSchema, clipRangeProblem } from '../../common/clips.js';
import { BadRequestError, InsufficientStorageError, PayloadTooLargeError } from '../errors.js';
import { requireContentType } from '../http/body.js';
import type { WritableDB } from '../library/database.js';
import { insertClip, type ClipRow } from '../library/clips.js';
import { describeWriteError } from '../record/archive.js';
import { probe, type MediaFacts } from '../record/remux.js';
import type { ClipFiles } from './clip-files.js';
import { openClipSource } from './clip-source.js';

/**
 * Receives a vertical short the studio encoded (WebCodecs, in the page) and keeps it only if it
 * is what was asked for: a 9:16 video of about the range's length, with sound when the recording
 * had sound. The upload streams to a temporary file (never held in memory); anything refused,
 * cut short or unwritable is removed, so the gallery never shows half a short.
 */
export async function receiveVerticalShort(req: IncomingMessage, db: WritableDB, files: ClipFiles, url: URL): Promise<ClipRow> {
  const recordingId = Number(url.searchParams.get('recordingId'));
  const inMs = Number(url.searchParams.get('inMs'));
  const outMs = Number(url.searchParams.get('outMs'));
  const title = ClipTitleSchema.safeParse(url.searchParams.get('title') ?? '');
  if (!Number.isSafeInteger(recordingId) || !title.success) throw new BadRequestError('Give recordingId, inMs, outMs and a title of at most 100 characters.', 'bad_upload');
  requireContentType(req, 'video/webm');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > CLIP_LIMITS.uploadBytes) throw new PayloadTooLargeError(CLIP_LIMITS.uploadBytes);

  const source = await openClipSource(db, files.dataDir, recordingId);
  const problem = clipRangeProblem(inMs, outMs, source.facts.durationMs, CLIP_LIMITS.maxVerticalMs);
  if (problem) throw new BadRequestError(problem, 'bad_range');

  const file = await files.reserve(new Date(source.recording.startedAt + inMs), title.data, 'webm');
  const temporary = `${files.path(file)}.part`;
  try {
    await rm(temporary, { force: true });
    await receiveTo(req, temporary);
    const facts = await probe(temporary).catch((error: Error) => {
      throw new BadRequestError(`That upload is not a video the node can read (${error.message}).`, 'bad_upload');
    });
    checkShort(facts, outMs - inMs, source.facts.hasAudio);
    await rename(temporary, files.path(file));
    return insertClip(db, {
      recordingId,
      file,
      title: title.data,
      mode: 'vertical',
      inMs,
      outMs,
      startMs: inMs,
      durationMs: facts.durationMs,
      sizeBytes: facts.sizeBytes,
      width: facts.width ?? null,
      height: facts.height ?? null,
      createdAt: Date.now(),
    });
  } catch (error) {
    await rm(temporary, { force: true });
    await rm(files.path(file), { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'EACCES') {
      throw new InsufficientStorageError(`The short could not be saved: ${describeWriteError(error as NodeJS.ErrnoException)}.`);
    }
    throw error;
  } finally {
    files.release(file);
  }
}

/** Streams the body to `path`, refusing (413) past the upload limit. */
async function receiveTo(req: IncomingMessage, path: string): Promise<void> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > CLIP_LIMITS.uploadBytes) callback(new PayloadTooLargeError(CLIP_LIMITS.uploadBytes));
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(req, limit, createWriteStream(path, { flags: 'wx' }));
  } catch (error) {
    if (error instanceof PayloadTooLargeError) req.socket.setKeepAlive?.(false);
    throw error;
  }
}

function checkShort(facts: MediaFacts, expectedMs: number, needsAudio: boolean): void {
  const { width, height } = facts;
  if (!width || !height || Math.abs(width * 16 - height * 9) > 16 || width < 360) {
    throw new BadRequestError(`A vertical short is 9:16 (e.g. 720×1280); this one is ${width ?? '?'}×${height ?? '?'}.`, 'bad_upload');
  }
  if (needsAudio && !facts.audioCodec) throw new BadRequestError('The short lost its sound; the recording has sound.', 'bad_upload');
  if (Math.abs(facts.durationMs - expectedMs) > 1000) {
    throw new BadRequestError(
      `The short is ${(facts.durationMs / 1000).toFixed(1)} s long, not the ${(expectedMs / 1000).toFixed(1)} s asked for.`,
      'bad_upload',
    );
  }
}
