import { execFile, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LO_UDP_OVERHEAD_BYTES, shapeUdp, whyTrafficCannotBeShaped } from '../helpers/traffic-shaper.js';

const run = promisify(execFile);

/**
 * The loopback traffic shaper itself, with plain UDP sockets on 127.0.0.1: a shaped port gets its
 * rate and loses the excess, the rest of lo is untouched, shapes stay apart, a masked source range
 * is capped as a whole, and the undo leaves lo as it was. It also measures (and prints) how exact
 * the rate is and what delay the shaper adds.
 */
const SIZE = 1200; // bytes of payload, about a WebRTC video packet
const cannotShape = whyTrafficCannotBeShaped();
const cannotLose = cannotShape ?? whyTrafficCannotBeShaped({ lossPercent: 1 });
const cannotDelay = cannotShape ?? whyTrafficCannotBeShaped({ delayMs: 1 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Receiver {
  port: number;
  packets: number;
  bytes: number;
  reset(): void;
  arrivals: number[];
  /**
   * Payload kbit/s in the steady state: between the datagrams at 10% and 90% of those received,
   * which leaves out the burst let through at the start and late timestamps while the event loop,
   * shared with the sender, is busy.
   */
  kbit(): number;
}

function bind(socket: dgram.Socket, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

describe.skipIf(cannotShape !== undefined)(`traffic shaper on lo${cannotShape ? ` (skipped: ${cannotShape})` : ''}`, { timeout: 60_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  const report: string[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(() => {
    if (report.length > 0) console.log(`traffic shaper measurements (payload ${SIZE} B, ${SIZE + LO_UDP_OVERHEAD_BYTES} B on the wire):\n${report.join('\n')}`);
  });

  async function socket(port = 0): Promise<dgram.Socket> {
    const s = dgram.createSocket('udp4');
    await bind(s, port).catch((error: unknown) => {
      s.close();
      throw error;
    });
    cleanups.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
    return s;
  }

  async function receiver(): Promise<Receiver & { socket: dgram.Socket }> {
    const s = await socket();
    const r = {
      socket: s,
      port: s.address().port,
      packets: 0,
      bytes: 0,
      arrivals: [] as number[],
      reset() {
        r.packets = r.bytes = 0;
        r.arrivals = [];
      },
      kbit() {
        const from = Math.floor(r.packets * 0.1);
        const to = Math.floor(r.packets * 0.9);
        return to - from < 10 ? 0 : ((to - from) * SIZE * 8) / (r.arrivals[to]! - r.arrivals[from]!);
      },
    };
    s.on('message', (message) => {
      const now = performance.now();
      r.arrivals.push(now);
      r.packets += 1;
      r.bytes += message.length;
    });
    return r;
  }

  async function shape(...args: Parameters<typeof shapeUdp>) {
    const undo = await shapeUdp(...args);
    cleanups.push(undo);
    return undo;
  }

  /** Sends SIZE-byte datagrams, paced every ~2 ms, for `ms`; then waits for queues to drain. Returns datagrams sent per stream. */
  async function blast(streams: Array<{ from: dgram.Socket; to: number; kbit: number }>, ms: number): Promise<number[]> {
    const payload = Buffer.alloc(SIZE, 0x5a);
    const sent = streams.map(() => 0);
    const start = performance.now();
    for (let elapsed = 0; elapsed < ms; elapsed = performance.now() - start) {
      streams.forEach((stream, i) => {
        const due = Math.floor((elapsed / 1000) * ((stream.kbit * 1000) / (SIZE * 8))) + 1;
        for (; sent[i]! < due; sent[i]! += 1) stream.from.send(payload, stream.to, '127.0.0.1');
      });
      await sleep(2);
    }
    await sleep(400); // the shaped queues hold 100 ms by default
    return sent;
  }

  const rootQdisc = async () => JSON.parse((await run('tc', ['-j', 'qdisc', 'show', 'dev', 'lo', 'root'])).stdout)[0] as { kind: string; handle: string };
  // iproute2 6.1 has no JSON for classes: lines like "class htb cb:1 root leaf 8001: …".
  const classes = async () => [...(await run('tc', ['class', 'show', 'dev', 'lo'])).stdout.matchAll(/^class \S+ (\S+)/gm)].map((m) => m[1]);
  const mbit = (kbit: number) => `${(kbit / 1000).toFixed(3)} Mbit/s`;

  it('holds a shaped port to its rate, drops the excess and leaves other ports alone', async () => {
    const from = await socket();
    const slow = await receiver();
    const other = await receiver();
    const undo = await shape({ dport: slow.port }, { rateKbit: 1000 });

    const [toSlow, toOther] = await blast([{ from, to: slow.port, kbit: 5000 }, { from, to: other.port, kbit: 5000 }], 2000);
    report.push(`1000 kbit dport, 5 Mbit/s offered for 2 s: shaped port ${mbit(slow.kbit())} (${slow.packets}/${toSlow} datagrams), unshaped port ${other.packets}/${toOther} (${mbit(other.kbit())})`);
    expect(slow.kbit()).toBeGreaterThan(700);
    expect(slow.kbit()).toBeLessThan(1300);
    expect(slow.packets / toSlow!).toBeLessThan(0.3);
    expect(other.packets / toOther!).toBeGreaterThan(0.95);

    await undo();
    await undo(); // idempotent
    expect(await rootQdisc()).toMatchObject({ kind: 'noqueue' });
    slow.reset();
    other.reset();
    const [again, againOther] = await blast([{ from, to: slow.port, kbit: 5000 }, { from, to: other.port, kbit: 5000 }], 1000);
    expect(slow.packets / again!).toBeGreaterThan(0.95);
    expect(other.packets / againOther!).toBeGreaterThan(0.95);
  });

  it('keeps concurrent shapes apart, each at its own rate', async () => {
    const from = await socket();
    const a = await receiver();
    const b = await receiver();
    const undoA = await shape({ dport: a.port }, { rateKbit: 500 });
    const undoB = await shape({ dport: b.port }, { rateKbit: 2000 });
    expect(await classes()).toHaveLength(2);

    await blast([{ from, to: a.port, kbit: 5000 }, { from, to: b.port, kbit: 5000 }], 2000);
    report.push(`500 and 2000 kbit at once, 5 Mbit/s offered to each: ${mbit(a.kbit())} and ${mbit(b.kbit())}`);
    expect(a.kbit()).toBeGreaterThan(350);
    expect(a.kbit()).toBeLessThan(650);
    expect(b.kbit()).toBeGreaterThan(1400);
    expect(b.kbit()).toBeLessThan(2600);

    await undoA();
    expect(await classes()).toEqual([expect.stringMatching(/^cb:/)]);
    await undoB();
    expect(await rootQdisc()).toMatchObject({ kind: 'noqueue' });
  });

  it('caps the sum of several sockets sending from a masked source port range', async () => {
    // Four consecutive ports on a multiple of 4, like a node given a small ICE portRange.
    let range: dgram.Socket[] = [];
    for (let attempt = 0; range.length < 4 && attempt < 50; attempt += 1) {
      const base = 40_000 + 4 * Math.floor(Math.random() * 4000);
      range = [];
      try {
        for (let i = 0; i < 4; i += 1) range.push(await socket(base + i));
      } catch {
        for (const s of range) s.close();
        range = [];
      }
    }
    expect(range).toHaveLength(4);
    const base = range[0]!.address().port;
    const outside = await socket(); // an ephemeral port, not in the range
    const capped = await receiver();
    const free = await receiver();
    await shape({ sport: base, sportMask: 0xfffc }, { rateKbit: 1000 });

    const sent = await blast([...range.map((from) => ({ from, to: capped.port, kbit: 1500 })), { from: outside, to: free.port, kbit: 1500 }], 2000);
    report.push(`sport ${base}/0xfffc at 1000 kbit, 4 sockets × 1.5 Mbit/s: together ${mbit(capped.kbit())}; a socket outside the range got ${free.packets}/${sent[4]}`);
    expect(capped.kbit()).toBeGreaterThan(700);
    expect(capped.kbit()).toBeLessThan(1300);
    expect(free.packets / sent[4]!).toBeGreaterThan(0.95);
  });

  /** Round trips of SIZE-byte pings to an echo socket; pings lost are left out. */
  async function pingPong(echoPort: number, client: dgram.Socket, count: number, everyMs: number): Promise<{ rtts: number[]; lost: number }> {
    const sentAt = new Map<number, number>();
    const rtts: number[] = [];
    const onMessage = (message: Buffer) => {
      const at = sentAt.get(message.readUInt32BE(0));
      if (at !== undefined) rtts.push(performance.now() - at);
    };
    client.on('message', onMessage);
    for (let i = 0; i < count; i += 1) {
      const ping = Buffer.alloc(SIZE);
      ping.writeUInt32BE(i, 0);
      sentAt.set(i, performance.now());
      client.send(ping, echoPort, '127.0.0.1');
      await sleep(everyMs);
    }
    await sleep(300);
    client.off('message', onMessage);
    return { rtts, lost: count - rtts.length };
  }

  async function echo(): Promise<number> {
    const s = await socket();
    s.on('message', (message, from) => s.send(message, from.port, from.address));
    return s.address().port;
  }

  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? NaN;
  const p95 = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length * 0.95)] ?? NaN;

  it('adds no delay at low load, and about queueMs when the queue is full', async () => {
    const shapedEcho = await echo();
    const plainEcho = await echo();
    const client = await socket();
    await shape({ dport: shapedEcho }, { rateKbit: 1000, queueMs: 100 });

    // ~380 kbit/s of pings: under the rate, so the bucket always has tokens.
    const plain = await pingPong(plainEcho, client, 40, 25);
    const light = await pingPong(shapedEcho, client, 40, 25);
    // The same pings while another socket offers 5 Mbit/s to the shaped port: the queue stays full.
    const loader = await socket();
    const [loaded] = await Promise.all([
      pingPong(shapedEcho, client, 30, 50),
      blast([{ from: loader, to: shapedEcho, kbit: 5000 }], 1800),
    ]);
    report.push(
      `round trip, ${SIZE} B pings: unshaped median ${median(plain.rtts).toFixed(2)} ms (p95 ${p95(plain.rtts).toFixed(2)}); ` +
        `shaped 1000 kbit at 38% load median ${median(light.rtts).toFixed(2)} ms (p95 ${p95(light.rtts).toFixed(2)}); ` +
        `shaped with a full 100 ms queue median ${median(loaded.rtts).toFixed(1)} ms, ${loaded.lost}/30 pings lost`,
    );
    expect(light.lost).toBe(0);
    expect(median(light.rtts) - median(plain.rtts)).toBeLessThan(3);
    expect(median(loaded.rtts)).toBeGreaterThan(60);
    expect(median(loaded.rtts)).toBeLessThan(160);
  });

  it('is accurate across rates (measured and printed)', async () => {
    const from = await socket();
    const rows: string[] = [];
    for (const rateKbit of [250, 500, 1000, 2000, 5000, 10_000]) {
      const r = await receiver();
      const undo = await shape({ dport: r.port }, { rateKbit });
      await blast([{ from, to: r.port, kbit: 2 * rateKbit }], 1500);
      await undo();
      const wire = (r.kbit() * (SIZE + LO_UDP_OVERHEAD_BYTES)) / SIZE;
      rows.push(`  ${String(rateKbit).padStart(5)} kbit: payload ${mbit(r.kbit())}, on the wire ${mbit(wire)} (${(((wire - rateKbit) / rateKbit) * 100).toFixed(1)}%)`);
      expect(Math.abs(wire - rateKbit) / rateKbit).toBeLessThan(0.1);
    }
    report.push(`rate accuracy, 2× the rate offered for 1.5 s:\n${rows.join('\n')}`);
  });

  it('leaves a dead run’s root behind it: the next shape replaces it cleanly', async () => {
    // What a killed test process leaves: our root, a class and a filter on some port, no owner.
    const from = await socket();
    const stale = await receiver();
    const fresh = await receiver();
    rmSync('/tmp/curbcast-traffic-shaper.pid', { force: true });
    execFileSync('sh', ['-ec', `tc qdisc add dev lo root handle cb: htb
tc class add dev lo parent cb: classid cb:1 htb rate 100kbit
tc filter add dev lo parent cb: protocol ip prio 1 u32 match ip dport ${stale.port} 0xffff flowid cb:1`]);
    cleanups.push(() => run('tc', ['qdisc', 'del', 'dev', 'lo', 'root', 'handle', 'cb:']));

    const undo = await shape({ dport: fresh.port }, { rateKbit: 1000 });
    const [toStale, toFresh] = await blast([{ from, to: stale.port, kbit: 2000 }, { from, to: fresh.port, kbit: 2000 }], 1000);
    expect(stale.packets / toStale!).toBeGreaterThan(0.95);
    expect(fresh.packets / toFresh!).toBeLessThan(0.7);
    await undo();
    expect(await rootQdisc()).toMatchObject({ kind: 'noqueue' });
  });

  it('refuses to take over a root that a live process owns', async () => {
    execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', 'cb:', 'htb']);
    cleanups.push(() => run('tc', ['qdisc', 'del', 'dev', 'lo', 'root', 'handle', 'cb:']));
    writeFileSync('/tmp/curbcast-traffic-shaper.pid', `${process.ppid}\n`); // alive: our parent
    cleanups.push(async () => rmSync('/tmp/curbcast-traffic-shaper.pid', { force: true }));
    await expect(shapeUdp({ dport: 9 }, { rateKbit: 1000 })).rejects.toThrow(/another process/);
  });

  it.skipIf(cannotLose !== undefined)(`drops lossPercent of the matched datagrams${cannotLose ? ` (skipped: ${cannotLose})` : ''}`, async () => {
    const from = await socket();
    const r = await receiver();
    await shape({ dport: r.port }, { rateKbit: 50_000, lossPercent: 20 });
    const [sent] = await blast([{ from, to: r.port, kbit: 2000 }], 1500);
    const loss = 1 - r.packets / sent!;
    report.push(`lossPercent 20: ${(loss * 100).toFixed(1)}% of ${sent} datagrams lost`);
    expect(loss).toBeGreaterThan(0.12);
    expect(loss).toBeLessThan(0.28);
  });

  it.skipIf(cannotDelay !== undefined)(`adds delayMs one way${cannotDelay ? ` (skipped: ${cannotDelay})` : ''}`, async () => {
    const shapedEcho = await echo();
    const client = await socket();
    await shape({ dport: shapedEcho }, { rateKbit: 10_000, delayMs: 30 });
    const { rtts, lost } = await pingPong(shapedEcho, client, 20, 25);
    report.push(`delayMs 30: round trip median ${median(rtts).toFixed(1)} ms`);
    expect(lost).toBe(0);
    expect(median(rtts)).toBeGreaterThan(27);
    expect(median(rtts)).toBeLessThan(45);
  });
});
