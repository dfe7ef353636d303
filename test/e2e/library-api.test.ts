/** The studio's Library API over a real recorded set: list, signed seekable media links, delete. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibrarySchema, type Library } from '../../common/library.js';
import { publishFromChromium, type BrowserPublisher } from '../helpers/browser-publisher.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { recordingsOfSet } from '../../server/library/recordings.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe('library API', () => {
  let node: Node;
  let base: string;
  let publisher: BrowserPublisher;
  const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
  const library = async () => LibrarySchema.parse(await (await fetch(`${base}/api/library`, { headers: auth })).json());

  beforeAll(async () => {
    node = await startTestNode();
    base = `http://127.0.0.1:${node.port}`;
    publisher = await publishFromChromium(base, TEST_TOKEN);
    await waitFor('recording', () => node.archive.state.state === 'recording', 15_000);
  });
  afterAll(async () => {
    await publisher?.close();
    await node?.close();
  });

  it('needs the token; marks the live set; refuses to delete it', async () => {
    expect((await fetch(`${base}/api/library`)).status).toBe(401);
    const during: Library = await library();
    expect(during.sets).toHaveLength(1);
    expect(during.sets[0]).toMatchObject({ live: true, recordings: [{ status: 'recording' }] });
    const refused = await fetch(`${base}/api/sets/${during.sets[0]!.id}`, { method: 'DELETE', headers: auth });
    expect(refused.status).toBe(409);
  });

  it('after the set: a finalised recording with a signed link that plays and seeks', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await publisher.stop();
    await waitFor('finalised', async () => (await library()).sets[0]?.recordings[0]?.status === 'finalised', 15_000);
    const [set] = (await library()).sets;
    const recording = set!.recordings[0]!;
    expect(set!.live).toBe(false);
    expect(recording.durationMs).toBeGreaterThan(2000);
    expect((await library()).totalBytes).toBe(recording.sizeBytes);

    const whole = await fetch(`${base}${recording.mediaUrl}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    expect(Number(whole.headers.get('content-length'))).toBe(recording.sizeBytes);
    const firstBytes = new Uint8Array(await whole.arrayBuffer()).slice(0, 4);
    expect([...firstBytes]).toEqual([0x1a, 0x45, 0xdf, 0xa3]); // EBML magic

    const part = await fetch(`${base}${recording.mediaUrl}`, { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${recording.sizeBytes}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const beyond = await fetch(`${base}${recording.mediaUrl}`, { headers: { Range: `bytes=${recording.sizeBytes! + 10}-` } });
    expect(beyond.status).toBe(416);

    // Forged, tampered or expired links get nothing.
    const tampered = recording.mediaUrl.replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await fetch(`${base}${tampered}`)).status).toBe(404);
    const otherId = recording.mediaUrl.replace(`/recordings/${recording.id}?`, `/recordings/${recording.id + 1}?`);
    expect((await fetch(`${base}${otherId}`)).status).toBe(404);
    const expired = recording.mediaUrl.replace(/expires=\d+/, 'expires=1000');
    expect((await fetch(`${base}${expired}`)).status).toBe(404);
  });

  it('delete removes the rows and the file together', async () => {
    const [set] = (await library()).sets;
    const file = join(node.dataDir, recordingsOfSet(node.db, set!.id)[0]!.file);
    expect(existsSync(file)).toBe(true);
    expect((await fetch(`${base}/api/sets/${set!.id}`, { method: 'DELETE' })).status).toBe(401);
    const res = await fetch(`${base}/api/sets/${set!.id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(existsSync(file)).toBe(false);
    expect((await library()).sets).toEqual([]);
    expect((await fetch(`${base}/api/sets/${set!.id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/api/sets/nope`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });
});
