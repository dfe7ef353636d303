import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerEventSchema, type ServerEvent } from '../../common/events.js';
import { startTestNode, TEST_TOKEN } from '../helpers/node.js';
import { playWithWerift, publishWithWerift } from '../helpers/werift-client.js';
import { waitFor } from '../helpers/wait.js';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** An events socket that records every (schema-valid) message. */
async function connect(url: string) {
  const socket = new WebSocket(url);
  const events: ServerEvent[] = [];
  socket.on('message', (data) => events.push(ServerEventSchema.parse(JSON.parse(String(data)))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, events, last: <T extends ServerEvent['type']>(type: T) => events.filter((e) => e.type === type).at(-1) as Extract<ServerEvent, { type: T }> | undefined };
}

describe('events socket', () => {
  let node: Node;
  let base: string;
  let ws: string;

  beforeEach(async () => {
    // werift test clients send no DTLS close alert, so the node notices them leaving by their silence.
    node = await startTestNode({ heartbeatMs: 300, silenceTimeoutMs: 1500 });
    base = `http://127.0.0.1:${node.port}`;
    ws = `ws://127.0.0.1:${node.port}/events`;
  });
  afterEach(async () => node.close());

  it('sends status on connect, then live, viewer counts, set info and offline as they happen', async () => {
    const client = await connect(ws);
    await waitFor('first status', () => client.last('status'));
    expect(client.events[0]).toMatchObject({ type: 'status', version: 1, status: { live: false, viewers: 0 } });

    const put = await fetch(`${base}/api/set`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_TOKEN}` },
      body: JSON.stringify({ title: 'Sunset set', hashtags: ['busking'], description: '' }),
    });
    expect(put.status).toBe(200);
    await waitFor('set info', () => client.last('status')?.status.set.title === 'Sunset set');

    const publisher = await publishWithWerift(base, TEST_TOKEN);
    publisher.startMedia();
    await waitFor('live', () => client.last('status')?.status.live);
    expect(client.last('status')?.status.startedAt).toBeGreaterThan(0);

    const viewer = await playWithWerift(base);
    await waitFor('viewers: 1', () => client.last('viewers')?.count === 1);

    await viewer.stop();
    await waitFor('viewers: 0', () => client.last('viewers')?.count === 0);

    await fetch(`${base}${publisher.location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    await waitFor('offline', () => client.last('status')?.status.live === false);
    await publisher.stop();
    client.socket.close();
  });

  it('answers pings, refuses bad frames with an error event and keeps the socket open', async () => {
    const client = await connect(ws);
    client.socket.send(JSON.stringify({ type: 'ping', id: 7 }));
    await waitFor('pong', () => client.last('pong')?.id === 7);

    const bad: Array<[string | Buffer, string]> = [
      ['not json', 'bad_json'],
      [JSON.stringify({ type: 'nope' }), 'bad_message'],
      [JSON.stringify({ type: 'ping', id: 'x' }), 'bad_message'],
      [JSON.stringify([1, 2, 3]), 'bad_message'],
      ['null', 'bad_message'],
      [Buffer.from([0xff, 0x00, 0x01]), 'binary'],
      ['x'.repeat(5000), 'too_large'],
    ];
    for (const [frame, error] of bad) {
      const before = client.events.length;
      client.socket.send(frame);
      const answer = await waitFor(`error ${error}`, () => client.events.slice(before).find((e) => e.type === 'error'));
      expect(answer).toMatchObject({ type: 'error', error });
    }
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.send(JSON.stringify({ type: 'ping', id: 8 }));
    await waitFor('pong after bad frames', () => client.last('pong')?.id === 8);
    client.socket.close();
  });

  it('closes a frame far over the limit (1009) without harming other sockets', async () => {
    const a = await connect(ws);
    const b = await connect(ws);
    const closed = new Promise<number>((resolve) => a.socket.once('close', (code) => resolve(code)));
    a.socket.send('x'.repeat(100_000));
    expect(await closed).toBe(1009);
    b.socket.send(JSON.stringify({ type: 'ping', id: 1 }));
    await waitFor('b still answered', () => b.last('pong'));
    b.socket.close();
  });

  it('drops a socket whose client stops answering pings, leaving no connection behind', async () => {
    const client = await connect(ws);
    await waitFor('registered', () => node.audience.hub.size === 1);
    // Stop the client from answering pings: as a phone that lost signal without a TCP close.
    (client.socket as unknown as { _receiver: { removeAllListeners(e: string): void } })._receiver.removeAllListeners('ping');
    client.socket.pong = () => undefined;
    await waitFor('the silent socket to be dropped', () => node.audience.hub.size === 0, 3000);
    client.socket.terminate();
  });

  it('refuses upgrades on other paths', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${node.port}/elsewhere`);
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error).toBeInstanceOf(Error);
  });
});
