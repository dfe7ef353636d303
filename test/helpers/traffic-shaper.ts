import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Squeezing one peer's UDP on loopback with tc, as a slow phone or a thin uplink would: the
 * matched datagrams go through an HTB class (a token bucket at `rateKbit`) into a byte-limited
 * FIFO that holds `queueMs` of traffic and drops the rest at the tail. Everything else on `lo`
 * matches no filter and takes HTB's direct queue, which is never rate-limited.
 *
 * One HTB root (handle cb:) is shared by every shape of this process: the first shape adds it,
 * the last undo deletes it (lo then falls back to its default, noqueue). Each shape has its own
 * class cb:N, a u32 filter at priority N and, for `lossPercent`, an nftables table.
 *
 * A root with our handle whose owner process is gone (killed mid-test) is deleted by the next
 * first shape; the process also removes its root on a normal exit. Needs root, `tc` (iproute2)
 * with htb, bfifo and u32 in the kernel, `unshare` for the probe, plus nftables for `lossPercent`
 * and sch_netem for `delayMs`. IPv4 only: the node and its tests stay on 127.0.0.1.
 */

/** Which UDP datagrams on `lo` to shape. */
export type UdpMatch =
  /** Datagrams to one port: a viewer whose downlink is slow. */
  | { dport: number }
  /** Datagrams from a port, or a masked range (e.g. the node's ICE portRange): a capped uplink. */
  | { sport: number; sportMask?: number };

export interface ShapeLimits {
  /** Token-bucket rate in kbit/s (1000 bit), counting whole frames: payload + 8 UDP + 20 IP + 14 link bytes. */
  rateKbit: number;
  /**
   * How much traffic, in ms at `rateKbit`, the queue holds before it drops at the tail. Default 100.
   * The queue never holds more than MAX_QUEUE_BYTES, so at fast rates it holds less time.
   */
  queueMs?: number;
  /** Fixed extra one-way delay (needs sch_netem). */
  delayMs?: number;
  /** Random loss before the queue, in percent (nftables). */
  lossPercent?: number;
}

const DEV = 'lo';
const ROOT = 'cb';
/** The pid of the process that owns the root, so a leftover can be told from a live neighbour. */
const OWNER_FILE = '/tmp/curbcast-traffic-shaper.pid';
const NFT_PREFIX = 'curbcast_shape_';
/** Bytes HTB and the FIFO count for a datagram beyond its payload on lo: Ethernet + IPv4 + UDP headers. */
export const LO_UDP_OVERHEAD_BYTES = 14 + 20 + 8;
/**
 * A queued datagram still counts against its socket's send buffer (net.core.wmem_default, 208 KiB
 * of truesize: about 95 datagrams of 1200 B). A queue that can hold more than that never drops:
 * the kernel makes the sender wait instead (and Node queues its sends in user space, unbounded),
 * which a slow link at the far end never does. So the queue stops well short of it.
 */
export const MAX_QUEUE_BYTES = 64 * 1024;

const probes = new Map<string, string | undefined>();

function probe(name: string, script: string): string | undefined {
  if (!probes.has(name)) {
    try {
      // A scratch network namespace, so probing never touches the real lo.
      execFileSync('unshare', ['--net', 'sh', '-ec', `ip link set lo up\n${script}`], { stdio: 'pipe', timeout: 10_000 });
      probes.set(name, undefined);
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
      probes.set(name, stderr || (error as Error).message.split('\n')[0]);
    }
  }
  return probes.get(name);
}

/**
 * Undefined when `shapeUdp(…, limits)` can work here, otherwise a one-line reason for `it.skipIf`.
 * Pass the limits you will use: delay and loss need more than a plain rate.
 */
export function whyTrafficCannotBeShaped(limits: Partial<ShapeLimits> = {}): string | undefined {
  if (process.platform !== 'linux') return 'shaping loopback traffic needs Linux tc';
  if (process.getuid?.() !== 0) return 'shaping loopback traffic needs root (tc)';
  const base = probe(
    'htb',
    `tc qdisc add dev lo root handle 1: htb
tc class add dev lo parent 1: classid 1:1 htb rate 1mbit ceil 1mbit
tc qdisc add dev lo parent 1:1 bfifo limit 10000
tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff match ip sport 5000 0xfff0 flowid 1:1`,
  );
  if (base !== undefined) return `tc with htb, bfifo and u32 is not usable here (iproute2 / kernel): ${base}`;
  if (limits.delayMs) {
    const netem = probe('netem', 'tc qdisc add dev lo root netem delay 1ms limit 100');
    if (netem !== undefined) return `added delay needs sch_netem, which this kernel lacks: ${netem}`;
  }
  if (limits.lossPercent) {
    const nft = probe(
      'nft',
      `nft add table inet probe
nft add chain inet probe out '{ type filter hook output priority 0 ; }'
nft add rule inet probe out udp dport 5000 numgen random mod 100 '<' 10 drop`,
    );
    if (nft !== undefined) return `random loss needs nftables (numgen): ${nft}`;
  }
  return undefined;
}

// ---- this process's shapes --------------------------------------------------------------------

const active = new Set<number>();
let exitHookInstalled = false;
let queue: Promise<unknown> = Promise.resolve();

/** tc calls of one process run one at a time, so concurrent shapes and undos never interleave. */
function serial<T>(step: () => Promise<T>): Promise<T> {
  const result = queue.then(step);
  queue = result.catch(() => undefined);
  return result;
}

const tc = (...args: string[]) => run('tc', args);

function owner(): number | undefined {
  try {
    const pid = Number(readFileSync(OWNER_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function rootQdisc(): Promise<{ kind: string; handle: string } | undefined> {
  const { stdout } = await tc('-j', 'qdisc', 'show', 'dev', DEV, 'root');
  const qdiscs = JSON.parse(stdout || '[]') as Array<{ kind: string; handle: string; root?: boolean }>;
  return qdiscs.find((q) => q.root) ?? qdiscs[0];
}

/** Deletes the nftables tables (for loss) left by processes that are gone. */
async function deleteDeadLossTables(): Promise<void> {
  const { stdout } = await run('nft', ['list', 'tables', 'inet']).catch(() => ({ stdout: '' }));
  for (const match of stdout.matchAll(new RegExp(`table inet (${NFT_PREFIX}(\\d+)_\\d+)`, 'g'))) {
    const pid = Number(match[2]);
    if (pid !== process.pid && !alive(pid)) await run('nft', ['delete', 'table', 'inet', match[1]!]).catch(() => undefined);
  }
}

async function ensureRoot(): Promise<void> {
  if (active.size > 0) return;
  const root = await rootQdisc();
  if (root?.kind === 'htb' && root.handle === `${ROOT}:`) {
    const pid = owner();
    if (pid !== undefined && pid !== process.pid && alive(pid)) {
      throw new Error(`another process (pid ${pid}) is shaping ${DEV} right now; run one shaping test process at a time`);
    }
    await tc('qdisc', 'del', 'dev', DEV, 'root'); // a leftover of a killed run: its classes and filters go with it
  } else if (root && root.kind !== 'noqueue') {
    throw new Error(`${DEV} has a ${root.kind} root qdisc (${root.handle}) that is not ours; not replacing it`);
  }
  await deleteDeadLossTables();
  // No default class: unmatched packets take HTB's direct queue, unshaped. direct_qlen only matters
  // if lo could ever be busy; it cannot, so the queue never really fills.
  await tc('qdisc', 'add', 'dev', DEV, 'root', 'handle', `${ROOT}:`, 'htb', 'direct_qlen', '10000');
  writeFileSync(OWNER_FILE, `${process.pid}\n`);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that ends with shapes still on removes them (best effort: the next first shape
    // cleans up whatever a killed process leaves).
    process.once('exit', () => {
      if (active.size === 0) return;
      const quietly = (command: string, args: string[]) => {
        try {
          execFileSync(command, args, { stdio: 'ignore' });
        } catch {
          // already gone, or never there (shapes without loss have no table)
        }
      };
      quietly('tc', ['qdisc', 'del', 'dev', DEV, 'root', 'handle', `${ROOT}:`]);
      for (const minor of active) quietly('nft', ['delete', 'table', 'inet', `${NFT_PREFIX}${process.pid}_${minor}`]);
      rmSync(OWNER_FILE, { force: true });
    });
  }
}

async function removeRoot(): Promise<void> {
  const root = await rootQdisc();
  if (root?.kind === 'htb' && root.handle === `${ROOT}:`) await tc('qdisc', 'del', 'dev', DEV, 'root');
  if (owner() === process.pid) rmSync(OWNER_FILE, { force: true });
}

function port(value: number, what: string): string {
  if (!Number.isInteger(value) || value < 1 || value > 0xffff) throw new Error(`${what} must be a port number, not ${value}`);
  return String(value);
}

/**
 * Shapes the UDP datagrams on lo that match, until the returned function is called (it removes
 * exactly what this call added, and the root with the last shape; calling it again does nothing).
 */
export async function shapeUdp(match: UdpMatch, limits: ShapeLimits): Promise<() => Promise<void>> {
  const { rateKbit, queueMs = 100, delayMs = 0, lossPercent = 0 } = limits;
  if (!(rateKbit > 0)) throw new Error(`rateKbit must be positive, not ${rateKbit}`);
  if (!(queueMs > 0)) throw new Error(`queueMs must be positive, not ${queueMs}`);
  if (!(lossPercent >= 0 && lossPercent <= 100)) throw new Error(`lossPercent must be 0–100, not ${lossPercent}`);
  const mask = 'sport' in match ? (match.sportMask ?? 0xffff) : 0xffff;
  if (!Number.isInteger(mask) || mask < 1 || mask > 0xffff) throw new Error(`sportMask must be 1–0xffff, not ${mask}`);
  const why = whyTrafficCannotBeShaped(limits);
  if (why) throw new Error(why);
  const selector =
    'dport' in match
      ? ['match', 'ip', 'dport', port(match.dport, 'dport'), '0xffff']
      : ['match', 'ip', 'sport', String(Number(port(match.sport, 'sport')) & mask), `0x${mask.toString(16)}`];
  const nftSelector = 'dport' in match ? `udp dport ${match.dport}` : `udp sport & ${mask} == ${match.sport & mask}`;

  const bytesPerMs = (rateKbit * 1000) / 8 / 1000;
  // Room for queueMs of traffic, never less than two full-size datagrams, never more than MAX_QUEUE_BYTES.
  const queueBytes = Math.min(MAX_QUEUE_BYTES, Math.max(2 * 1500, Math.round(bytesPerMs * queueMs)));
  // Token bucket depth: two full-size datagrams, or 5 ms at fast rates. An idle shape lets that
  // much through at once unpaced (no serialisation delay); a deeper bucket would let key frames
  // through whole and hide congestion.
  const burstBytes = Math.max(3000, Math.round(bytesPerMs * 5));

  return serial(async () => {
    await ensureRoot();
    let minor = 1;
    while (active.has(minor)) minor += 1;
    const classid = `${ROOT}:${minor.toString(16)}`;
    const table = `${NFT_PREFIX}${process.pid}_${minor}`;
    active.add(minor);
    const undo = async () => {
      const errors: unknown[] = [];
      const attempt = async (step: () => Promise<unknown>) => {
        await step().catch((error: unknown) => errors.push(error));
      };
      // Filter first: HTB refuses to delete a class a filter still points at.
      await attempt(() => tc('filter', 'del', 'dev', DEV, 'parent', `${ROOT}:`, 'protocol', 'ip', 'prio', String(minor)));
      await attempt(() => tc('class', 'del', 'dev', DEV, 'classid', classid)); // takes its leaf qdisc with it
      if (lossPercent > 0) await attempt(() => run('nft', ['delete', 'table', 'inet', table]));
      active.delete(minor);
      if (active.size === 0) await attempt(removeRoot);
      if (errors.length > 0) throw errors[0];
    };
    try {
      await tc('class', 'add', 'dev', DEV, 'parent', `${ROOT}:`, 'classid', classid, 'htb',
        'rate', `${rateKbit}kbit`, 'ceil', `${rateKbit}kbit`, 'burst', `${burstBytes}b`, 'cburst', `${burstBytes}b`, 'quantum', '1514');
      if (delayMs > 0) {
        // netem holds delayed packets in its own queue: its packet limit covers those and the queue.
        const packets = Math.max(10, Math.ceil((queueBytes + bytesPerMs * delayMs) / 1000));
        await tc('qdisc', 'add', 'dev', DEV, 'parent', classid, 'netem', 'delay', `${delayMs}ms`, 'limit', String(packets));
      } else {
        await tc('qdisc', 'add', 'dev', DEV, 'parent', classid, 'bfifo', 'limit', String(queueBytes));
      }
      await tc('filter', 'add', 'dev', DEV, 'parent', `${ROOT}:`, 'protocol', 'ip', 'prio', String(minor),
        'u32', 'match', 'ip', 'protocol', '17', '0xff', ...selector, 'flowid', classid);
      if (lossPercent > 0) {
        await run('nft', ['add', 'table', 'inet', table]);
        await run('nft', ['add', 'chain', 'inet', table, 'out', '{ type filter hook output priority -10 ; }']);
        const threshold = Math.round(lossPercent * 100); // in 1/10000
        await run('nft', ['add', 'rule', 'inet', table, 'out', 'ip', 'daddr', '127.0.0.0/8', ...nftSelector.split(' '),
          'numgen', 'random', 'mod', '10000', '<', String(threshold), 'drop']);
      }
    } catch (error) {
      await undo().catch(() => undefined);
      throw error;
    }
    let undone: Promise<void> | undefined;
    return () => (undone ??= serial(undo));
  });
}
