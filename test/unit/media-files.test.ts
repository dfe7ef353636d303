import { describe, expect, it } from 'vitest';
import { parseRange } from '../../server/http/send-file.js';
import { MediaLinks } from '../../server/media-links.js';
import { recordingFileName } from '../../server/record/file-names.js';
import { describeWriteError } from '../../server/record/archive.js';

describe('parseRange', () => {
  it('reads single byte ranges and refuses the unsatisfiable', () => {
    expect(parseRange(undefined, 1000)).toBeUndefined();
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=50-10', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeUndefined();
    expect(parseRange('items=0-1', 1000)).toBeUndefined();
  });
});

describe('MediaLinks', () => {
  it('signs a recording link that verifies until it expires, for that id and secret only', () => {
    let secret = 'token-one-0123456789';
    const links = new MediaLinks(() => secret, 1000);
    const url = new URL(links.recording(7, 10_000), 'http://node');
    const expires = url.searchParams.get('expires');
    const sig = url.searchParams.get('sig');
    expect(url.pathname).toBe('/media/recordings/7');
    expect(links.verify('recording', 7, expires, sig, 10_500)).toBe(true);
    expect(links.verify('recording', 7, expires, sig, 11_001)).toBe(false);
    expect(links.verify('recording', 8, expires, sig, 10_500)).toBe(false);
    expect(links.verify('recording', 7, String(Number(expires) + 1), sig, 10_500)).toBe(false);
    expect(links.verify('recording', 7, expires, null, 10_500)).toBe(false);
    expect(links.verify('recording', 7, 'soon', sig, 10_500)).toBe(false);
    secret = 'rotated-token-987654321';
    expect(links.verify('recording', 7, expires, sig, 10_500)).toBe(false);
  });
});

describe('recording file names', () => {
  it('are sortable, readable and safe whatever the title', () => {
    const at = new Date(2026, 10, 22, 18, 5, 9);
    expect(recordingFileName(at, 'Friday Jazz!')).toBe('2026-11-22_18-05-09_friday-jazz.webm');
    expect(recordingFileName(at, '')).toBe('2026-11-22_18-05-09.webm');
    expect(recordingFileName(at, '../../etc/passwd')).toBe('2026-11-22_18-05-09_etc-passwd.webm');
    expect(recordingFileName(at, 'Café Müller — été')).toBe('2026-11-22_18-05-09_cafe-muller-ete.webm');
    expect(recordingFileName(at, '🎷🎷')).toBe('2026-11-22_18-05-09.webm');
    expect(recordingFileName(at, 'x'.repeat(200)).length).toBeLessThan(70);
  });
});

describe('describeWriteError', () => {
  it('says what a busker can act on', () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(describeWriteError(error('ENOSPC'))).toBe('disk full');
    expect(describeWriteError(error('EACCES'))).toBe('data folder not writable');
    expect(describeWriteError(error('EROFS'))).toBe('data folder not writable');
    expect(describeWriteError(error('EIO'))).toContain('EIO');
  });
});

describe('recording containers', () => {
  it('WebM for VP8/VP9/AV1, Matroska for H.264', async () => {
    const { containerFor } = await import('../../server/record/file-names.js');
    expect(containerFor('VP8')).toBe('webm');
    expect(containerFor('vp9')).toBe('webm');
    expect(containerFor('H264')).toBe('mkv');
    expect(recordingFileName(new Date(2026, 0, 1, 0, 0, 0), 'x', 'mkv')).toBe('2026-01-01_00-00-00_x.mkv');
  });
});
