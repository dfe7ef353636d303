/** Background load: the priority of the bench's load generators (Linux: per thread), and how busy the machine was. */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Sets a process's nice value (all its threads); returns what puts it back. Failures are ignored. */
export function renice(pid: number, nice: number): () => void {
  const tids = (): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      return [pid];
    }
  };
  const before = new Map<number, number>();
  for (const tid of tids()) {
    try {
      before.set(tid, getPriority(tid));
      setPriority(tid, nice);
    } catch {
      // gone, or not allowed
    }
  }
  return () => {
    for (const tid of tids()) {
      try {
        setPriority(tid, before.get(tid) ?? 0);
      } catch {
        // gone, or not allowed
      }
    }
  };
}

/** Busy and total jiffies of all cores together (the `cpu` line of /proc/stat). */
function machineJiffies(): { busy: number; total: number } {
  const values = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
}

/** How busy the whole machine was, % of all cores, from now until the returned function is called. */
export function machineBusyMeter(): () => number {
  const a = machineJiffies();
  return () => {
    const b = machineJiffies();
    return b.total > a.total ? Math.round(((b.busy - a.busy) / (b.total - a.total)) * 100) : Number.NaN;
  };
}
