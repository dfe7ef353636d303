/**
 * CPU and memory of processes and of the whole machine, read from /proc (Linux only).
 * CPU % is of ONE core: 100 = one core fully busy (so it can exceed 100 on several cores).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sleep } from './stats.js';

let clockTicks: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every Linux we know). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of the whole process (all threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may hold spaces; count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After comm: fields[0] is state (field 3), so utime (14) is fields[11] and stime (15) fields[12].
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Resident set size in MB (VmRSS). */
export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Busy and total jiffies of all cores together (from the `cpu` line of /proc/stat). */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Packets sent on interfaces other than loopback (a cheap "did anything leave the machine" check). */
export function nonLoopbackTxPackets(): number {
  let sum = 0;
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!name || rest === undefined || name.trim() === 'lo') continue;
    const cols = rest.trim().split(/\s+/).map(Number);
    sum += cols[9] ?? 0; // transmit packets
  }
  return sum;
}

/**
 * IPv6 neighbour solicitations the kernel sent: a process trying to send off-box over IPv6 makes
 * the kernel look for the router first (the packet itself is dropped if the router never answers).
 */
export function ipv6NeighborSolicitations(): number {
  try {
    const match = /^Icmp6OutNeighborSolicits\s+(\d+)/m.exec(readFileSync('/proc/net/snmp6', 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Datagrams the kernel dropped because a socket's receive buffer was full, per UDP socket (inode)
 * that `pid` holds: the process did not read fast enough (event-loop stalls).
 */
export function udpSocketDrops(pid: number): Map<string, number> {
  const inodes = socketInodes(pid);
  const drops = new Map<string, number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 13 && inodes.has(cols[9]!)) drops.set(cols[9]!, Number(cols[12]));
    }
  }
  return drops;
}

/** Inodes of the sockets `pid` holds. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}

/** Local ports of the IPv4 UDP sockets `pid` holds (e.g. to check the node's media stays in --ice-ports). */
export function udpLocalPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  let text = '';
  try {
    text = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return ports;
  }
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // local_address is HEXIP:HEXPORT
    if (cols.length >= 10 && inodes.has(cols[9]!)) ports.push(Number.parseInt(cols[1]!.split(':')[1] ?? '', 16));
  }
  return ports.sort((a, b) => a - b);
}

export interface DropDelta {
  /** Datagrams dropped in the window, all of the process's UDP sockets. */
  total: number;
  /** The most any one socket dropped: ≈ total means one socket (for the node: the publisher's). */
  worstSocket: number;
  socketsWithDrops: number;
}

function dropDelta(before: Map<string, number>, after: Map<string, number>): DropDelta {
  let total = 0;
  let worstSocket = 0;
  let socketsWithDrops = 0;
  for (const [inode, drops] of after) {
    // Sockets opened during the window count from zero; closed ones take their counts with them.
    const delta = drops - (before.get(inode) ?? 0);
    if (delta <= 0) continue;
    total += delta;
    worstSocket = Math.max(worstSocket, delta);
    socketsWithDrops++;
  }
  return { total, worstSocket, socketsWithDrops };
}

/** Machine-wide UDP receive-buffer drops (/proc/net/snmp RcvbufErrors). */
export function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp: '));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
}

export interface WindowSample {
  seconds: number;
  /** % of one core, per pid name. */
  cpuPercent: Record<string, number>;
  /** RSS at the end of the window, MB, per pid name. */
  rssMB: Record<string, number>;
  /** Highest RSS seen during the window (sampled every second), MB, per pid name. */
  rssPeakMB: Record<string, number>;
  /** Whole machine, % of all cores together (0–100): how noisy the measurement was. */
  machineBusyPercent: number;
  /** UDP datagrams dropped at each process's sockets (receive buffer full), per pid name. */
  udpDrops: Record<string, DropDelta>;
  /** UDP receive-buffer drops on the whole machine. */
  udpRcvbufErrors: number;
}

/**
 * Measures CPU over a fixed window by utime+stime deltas (not by sampling), and RSS at the end.
 */
export async function measureWindow(pids: Record<string, number>, seconds: number): Promise<WindowSample> {
  const names = Object.keys(pids);
  const cpu0 = Object.fromEntries(names.map((n) => [n, cpuSeconds(pids[n]!)]));
  const peak: Record<string, number> = Object.fromEntries(names.map((n) => [n, rssMB(pids[n]!)]));
  const machine0 = machineJiffies();
  const drops0 = Object.fromEntries(names.map((n) => [n, udpSocketDrops(pids[n]!)]));
  const rcvbuf0 = udpRcvbufErrors();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    for (const n of names) peak[n] = Math.max(peak[n]!, rssMB(pids[n]!));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const machine1 = machineJiffies();
  const cpuPercent: Record<string, number> = {};
  const rss: Record<string, number> = {};
  for (const n of names) {
    cpuPercent[n] = ((cpuSeconds(pids[n]!) - cpu0[n]!) / elapsed) * 100;
    rss[n] = rssMB(pids[n]!);
  }
  const dTotal = machine1.total - machine0.total;
  return {
    udpDrops: Object.fromEntries(names.map((n) => [n, dropDelta(drops0[n]!, udpSocketDrops(pids[n]!))])),
    udpRcvbufErrors: udpRcvbufErrors() - rcvbuf0,
    seconds: elapsed,
    cpuPercent,
    rssMB: rss,
    rssPeakMB: peak,
    machineBusyPercent: dTotal > 0 ? ((machine1.busy - machine0.busy) / dTotal) * 100 : Number.NaN,
  };
}

// ---- process trees (a browser and all its helpers) ------------------------------------------------

interface ProcStat {
  ppid: number;
  /** Clock ticks after boot: with the pid, tells a process from a later one that reused its pid. */
  startTicks: number;
  cpuSeconds: number;
}

function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After comm: fields[0] is state (3), ppid (4) fields[1], utime (14) fields[11], stime (15) fields[12], starttime (22) fields[19].
  return {
    ppid: Number(fields[1]),
    startTicks: Number(fields[19]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(),
  };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** `root` and all its descendants (children, their children…), with their stats, now. */
function treeStats(root: number): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const pid of allPids()) {
    const stat = procStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const tree = new Map<number, ProcStat>();
  const queue = stats.has(root) ? [root] : [];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (tree.has(pid)) continue;
    tree.set(pid, stats.get(pid)!);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Pids whose command line contains `fragment`, without those whose parent also matches (the topmost). */
export function topmostProcessesWithArg(fragment: string): number[] {
  const matches = new Map<number, number>();
  for (const pid of allPids()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg.includes(fragment))) matches.set(pid, procStat(pid)?.ppid ?? 0);
    } catch {
      // gone, or not ours to read
    }
  }
  return [...matches].filter(([, ppid]) => !matches.has(ppid)).map(([pid]) => pid);
}

export interface TreeCpuMeter {
  /** Looks at the tree again (call every second or so: a helper that ends between looks loses what it used since the last one). */
  sample(): void;
  /** CPU seconds the tree used since the meter started (processes started since then count in full). */
  cpuSeconds(): number;
  /** How many processes the tree had at its largest. */
  processes: number;
}

/** CPU of a whole process tree (a browser with its renderer, GPU, network and utility processes). */
export function treeCpuMeter(root: number): TreeCpuMeter {
  const key = (pid: number, stat: ProcStat) => `${pid}:${stat.startTicks}`;
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const meter: TreeCpuMeter = {
    processes: 0,
    sample() {
      const tree = treeStats(root);
      meter.processes = Math.max(meter.processes, tree.size);
      for (const [pid, stat] of tree) {
        const k = key(pid, stat);
        // Seen for the first time after the start: it began during the window, from zero.
        if (!first.has(k)) first.set(k, started ? 0 : stat.cpuSeconds);
        last.set(k, stat.cpuSeconds);
      }
    },
    cpuSeconds() {
      let total = 0;
      for (const [k, value] of last) total += value - (first.get(k) ?? 0);
      return total;
    },
  };
  let started = false;
  meter.sample();
  started = true;
  return meter;
}

// ---- threads: CPU and time spent waiting for a CPU ------------------------------------------------

export interface ThreadStat {
  /** The thread's comm (Node names its workers, libuv and V8 threads). */
  name: string;
  cpuSeconds: number;
  /**
   * Time the thread was runnable but waited on a run queue (/proc/<pid>/task/<tid>/schedstat,
   * second field): CPU it wanted and did not get because other work held the cores.
   */
  waitSeconds: number;
}

/** Every thread of `pid`, now (threads that have ended take their counts with them). */
export function threadStats(pid: number): Map<number, ThreadStat> {
  const out = new Map<number, ThreadStat>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sched = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/);
      out.set(Number(tid), {
        name,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(),
        waitSeconds: Number(sched[1] ?? 0) / 1e9,
      });
    } catch {
      // ended while we looked
    }
  }
  return out;
}

export interface ThreadWindow {
  /** Run-queue wait of all the process's threads together, % of the window (100 = one thread waited the whole time). */
  waitPercent: number;
  /** The busiest thread in the window, % of one core (one thread can use at most 100). */
  busiestThread: { name: string; cpuPercent: number } | null;
  /** Threads that used ≥ 5% of a core in the window. */
  busyThreads: number;
}

export interface ThreadDelta {
  tid: number;
  name: string;
  /** % of one core in the window. */
  cpuPercent: number;
  /** Run-queue wait, % of the window. */
  waitPercent: number;
}

/** Each thread's CPU and run-queue wait between two threadStats() of the same process, `seconds` apart. */
export function threadDeltas(a: Map<number, ThreadStat>, b: Map<number, ThreadStat>, seconds: number): ThreadDelta[] {
  return [...b].map(([tid, t]) => {
    // A thread started during the window counts from zero.
    const before = a.get(tid);
    return {
      tid,
      name: t.name,
      cpuPercent: ((t.cpuSeconds - (before?.cpuSeconds ?? 0)) / seconds) * 100,
      waitPercent: ((t.waitSeconds - (before?.waitSeconds ?? 0)) / seconds) * 100,
    };
  });
}

/** CPU per thread and run-queue wait between two threadStats() of the same process, `seconds` apart. */
export function threadWindow(a: Map<number, ThreadStat>, b: Map<number, ThreadStat>, seconds: number): ThreadWindow {
  let wait = 0;
  let busiest: { name: string; cpuPercent: number } | null = null;
  let busyThreads = 0;
  for (const t of threadDeltas(a, b, seconds)) {
    wait += t.waitPercent;
    if (t.cpuPercent >= 5) busyThreads++;
    if (!busiest || t.cpuPercent > busiest.cpuPercent) busiest = { name: t.name, cpuPercent: t.cpuPercent };
  }
  return { waitPercent: seconds > 0 ? wait : Number.NaN, busiestThread: busiest, busyThreads };
}
