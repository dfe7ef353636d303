import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RelayState } from '../../../common/relay.js';
import { openLibraryDatabase, type WritableDB } from '../../../server/library/database.js';
import { writeRelaySettings } from '../../../server/library/relay-settings.js';
import { Relay, type LiveSet, type LiveSets } from '../../../server/relay/relay.js';
import { RelayError } from '../../../server/relay/relay-error.js';
import type { RelaySession, WhipSessionOptions } from '../../../server/relay/whip-client.js';
import type { TrackSource } from '../../../server/sfu/track.js';

/** A session the test drives: answer, connect, end, or refuse. */
class FakeSession extends EventEmitter<{ connected: []; ended: [reason: string] }> implements RelaySession {
  closed = false;
  #settle!: { resolve: () => void; reject: (error: unknown) => void };
  readonly started = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
  constructor(readonly options: WhipSessionOptions) {
    super();
  }
  start(): Promise<void> {
    return this.started;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  answer(): void {
    this.#settle.resolve();
  }
  refuse(error: RelayError): void {
    this.#settle.reject(error);
  }
}

class FakeSets extends EventEmitter<{ 'stage-live': [LiveSet]; 'stage-ended': [LiveSet, string] }> implements LiveSets {
  stage: LiveSet | undefined;
  goLive(): LiveSet {
    const source = { kind: 'video', codec: {}, onPacket: () => () => undefined, requestKeyframe: () => undefined } as unknown as TrackSource;
    const stage: LiveSet = { live: true, source: (kind) => (kind === 'video' ? source : undefined) };
    this.stage = stage;
    this.emit('stage-live', stage);
    return stage;
  }
  end(): void {
    const stage = this.stage!;
    this.stage = undefined;
    this.emit('stage-ended', stage, 'ended');
  }
}

describe('Relay (the manager): one session per live set, retried with backoff, closed cleanly', () => {
  let db: WritableDB;
  let sets: FakeSets;
  let sessions: FakeSession[];
  let states: RelayState[];
  let relay: Relay;

  const latest = () => sessions.at(-1)!;
  const kinds = () => states.map((s) => s.kind);
  const flush = () => vi.advanceTimersByTimeAsync(0);

  function start(enabled = true): Relay {
    writeRelaySettings(db, { enabled, url: 'https://target.example:8443/whip/key', token: 'stream-key' });
    relay = new Relay({
      sets,
      db,
      network: { hostAddresses: ['127.0.0.1'] },
      stunUrls: () => ['turn:turn.example:3478', 'stun:stun.example:3478'],
      logger: pino({ level: 'silent' }),
      openSession: (options) => {
        const session = new FakeSession(options);
        sessions.push(session);
        return session;
      },
      random: () => 1,
    });
    states = [relay.state];
    relay.on('state', (state) => states.push(state));
    return relay;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    db = openLibraryDatabase(':memory:');
    sets = new FakeSets();
    sessions = [];
  });
  afterEach(async () => {
    await relay?.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(sets.listenerCount('stage-live') + sets.listenerCount('stage-ended')).toBe(0);
    db.close();
    vi.useRealTimers();
  });

  it('waits for a set, connects with the saved target and token, and is live once connected', async () => {
    start();
    expect(relay.state).toEqual({ kind: 'waiting' });
    expect(sessions).toHaveLength(0);
    sets.goLive();
    expect(latest().options).toMatchObject({ url: 'https://target.example:8443/whip/key', token: 'stream-key', stunUrl: 'stun:stun.example:3478' });
    expect(relay.state).toEqual({ kind: 'connecting', target: 'target.example:8443' });
    latest().answer();
    latest().emit('connected');
    await flush();
    expect(relay.state).toMatchObject({ kind: 'live', target: 'target.example:8443' });
    expect(relay.view().settings).toEqual({ enabled: true, url: 'https://target.example:8443/whip/key', hasToken: true });
    expect(JSON.stringify(relay.view())).not.toContain('stream-key');
  });

  it('retries after 1, 2, 4… s (capped at 30 s) and starts over after a session that held for 30 s', async () => {
    start();
    sets.goLive();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      latest().refuse(new RelayError('Could not reach target: connection refused.', true));
      await flush();
      const state = relay.state;
      if (state.kind !== 'retrying') throw new Error(`expected retrying, got ${state.kind}`);
      expect(state.reason).toBe('Could not reach target: connection refused.');
      waits.push(state.retryAt - Date.now());
      const before = sessions.length;
      await vi.advanceTimersByTimeAsync(state.retryAt - Date.now() - 1);
      expect(sessions.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(sessions.length).toBe(before + 1);
      expect(sessions.at(-2)!.closed).toBe(true);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);

    // Live for 30 s, then lost: the schedule starts over at 1 s.
    latest().answer();
    latest().emit('connected');
    await vi.advanceTimersByTimeAsync(30_000);
    latest().emit('ended', 'target stopped answering.');
    const state = relay.state;
    expect(state).toMatchObject({ kind: 'retrying', reason: 'target stopped answering.' });
    if (state.kind === 'retrying') expect(state.retryAt - Date.now()).toBe(1000);
  });

  it('a final refusal (wrong token) fails once and does not retry until the settings change or the next set', async () => {
    start();
    sets.goLive();
    latest().refuse(new RelayError('target refused the token (401 Unauthorized) — check the bearer token.', false));
    await flush();
    expect(relay.state).toEqual({ kind: 'failed', target: 'target.example:8443', reason: expect.stringContaining('refused the token') });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sessions).toHaveLength(1);
    expect(latest().closed).toBe(true);

    // New settings: a new attempt at once; the token left out is kept.
    relay.configure({ enabled: true, url: 'https://other.example/whip' });
    expect(sessions).toHaveLength(2);
    expect(latest().options).toMatchObject({ url: 'https://other.example/whip', token: 'stream-key' });
    latest().refuse(new RelayError('no', false));
    await flush();
    // The next set gets another try.
    sets.end();
    expect(relay.state).toEqual({ kind: 'waiting' });
    sets.goLive();
    expect(sessions).toHaveLength(3);
  });

  it('closes the session at the end of the set, when disabled, and restarts it when the settings change while live', async () => {
    start();
    sets.goLive();
    latest().answer();
    latest().emit('connected');
    await flush();
    const first = latest();
    relay.configure({ enabled: true, url: 'https://target.example:8443/whip/key', token: '' });
    expect(first.closed).toBe(true);
    expect(sessions).toHaveLength(2);
    expect(latest().options.token).toBeUndefined();
    expect(relay.view().settings.hasToken).toBe(false);

    sets.end();
    expect(latest().closed).toBe(true);
    expect(relay.state).toEqual({ kind: 'waiting' });

    sets.goLive();
    relay.configure({ enabled: false, url: 'https://target.example:8443/whip/key' });
    expect(latest().closed).toBe(true);
    expect(relay.state).toEqual({ kind: 'off' });
    expect(kinds()).toEqual(['waiting', 'connecting', 'live', 'connecting', 'waiting', 'connecting', 'off']);
  });

  it('a retry pending at the end of the set is cancelled; a late answer from a closed session changes nothing', async () => {
    start();
    sets.goLive();
    const slow = latest();
    latest().refuse(new RelayError('busy', true));
    await flush();
    expect(relay.state.kind).toBe('retrying');
    sets.end();
    expect(relay.state).toEqual({ kind: 'waiting' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sessions).toHaveLength(1);
    slow.emit('connected');
    expect(relay.state).toEqual({ kind: 'waiting' });
  });

  it('picks up a set already live when it starts, and never throws into the SFU’s emitter', async () => {
    sets.goLive();
    start();
    expect(relay.state.kind).toBe('connecting');
    relay.on('state', () => {
      throw new Error('a listener that throws');
    });
    expect(() => sets.end()).not.toThrow();
    expect(relay.state).toEqual({ kind: 'waiting' });
  });

  it('close() ends the session and leaves no timer or listener behind', async () => {
    start();
    sets.goLive();
    latest().refuse(new RelayError('busy', true));
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    await relay.close();
    expect(latest().closed).toBe(true);
    sets.goLive();
    expect(sessions).toHaveLength(1);
  });
});
