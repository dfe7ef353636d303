/**
 * The scaling bench section's arithmetic (test/bench/scaling.ts): which OS thread is which, the run
 * order, and the projection from two windows per thread count.
 */
import { describe, expect, it } from 'vitest';
import { cpuByRole, farmNormalisedRuns, runOrder, summariseScaling, threadRole, type ScalingRun, type ScalingWindow } from '../../bench/scaling.js';

/** A window with just the numbers the projection reads. */
function window(viewers: number, threadCpuPercent: Record<string, number>): ScalingWindow {
  const nodeCpuPercent = Object.values(threadCpuPercent).reduce((a, b) => a + b, 0);
  return {
    viewers,
    seconds: 10,
    threadCpuPercent,
    otherThreads: 8,
    nodeCpuPercent,
    nodeWaitPercent: 0,
    nodeRssMB: 200,
    eventLoopPercent: null,
    lossPercent: 0,
    lossWithStalledPercent: 0,
    stalledViewers: 0,
    perViewerKbps: 2000,
    udpDrops: { node: 0, farm: 0 },
    farmCpuPercent: 50,
    publisherCpuPercent: 8,
    othersCpuPercent: 0,
    machineBusyPercent: 50,
    loadAverage1m: 1,
    quietGate: { waitedSeconds: 2, othersPercent: 0 },
    invalidReason: null,
  };
}

function run(forwardingThreads: number, idle: Record<string, number>, loaded: Record<string, number>): ScalingRun {
  return {
    order: 1,
    forwardingThreads,
    nodeArgs: [],
    reportedThreads: forwardingThreads,
    namedThreads: forwardingThreads,
    idle: window(0, idle),
    loaded: window(40, loaded),
    joinMs: null,
    joinFailures: [],
    seconds: 50,
    nodeLog: { viewerCloseReasons: {}, problems: [] },
  };
}

describe('scaling bench', () => {
  it('runs each thread count twice, the second pass reversed', () => {
    expect(runOrder([0, 1, 2], 2)).toEqual([0, 1, 2, 2, 1, 0]);
    expect(runOrder([0, 1, 2], 1)).toEqual([0, 1, 2]);
  });

  it('tells the main thread (tid = pid), forwarding threads (by name) and helpers apart', () => {
    expect(threadRole(100, 'node', 100)).toBe('main');
    expect(threadRole(107, 'curbcast-fwd-1', 100)).toBe('fwd-1');
    expect(threadRole(101, 'node', 100)).toBe('other');
    expect(threadRole(102, 'DelayedTaskSche', 100)).toBe('other');
    const { cpu, otherThreads } = cpuByRole(
      [
        { tid: 100, name: 'node', cpuPercent: 10, waitPercent: 0 },
        { tid: 101, name: 'node', cpuPercent: 2, waitPercent: 0 },
        { tid: 102, name: 'node', cpuPercent: 1, waitPercent: 0 },
        { tid: 107, name: 'curbcast-fwd-0', cpuPercent: 30, waitPercent: 0 },
      ],
      100,
    );
    expect(cpu).toEqual({ main: 10, other: 3, 'fwd-0': 30 });
    expect(otherThreads).toBe(2);
  });

  it('projects where the first thread, or the process on the cores, reaches the limit, as a ratio to 0 threads', () => {
    const rows = summariseScaling(
      [
        // Everything on main: 5% + 2% per viewer → 85% at 40 viewers.
        run(0, { main: 5, other: 1 }, { main: 85, other: 5 }),
        // One forwarding thread takes the viewers: 1.6% per viewer from 0 → 85% at ~53; main stays flat.
        run(1, { main: 5, 'fwd-0': 0, other: 1 }, { main: 7, 'fwd-0': 64, other: 5 }),
        // Two: each 0.8% per viewer (→ 106), but the process (2.18% per viewer from 6%) reaches 170% first, at ~75.
        run(2, { main: 5, 'fwd-0': 0, 'fwd-1': 0, other: 1 }, { main: 7, 'fwd-0': 32, 'fwd-1': 32, other: 22.2 }),
      ],
      [0, 1, 2],
      40,
      85,
      2,
    );
    expect(rows.map((r) => r.forwardingThreads)).toEqual([0, 1, 2]);
    const [t0, t1, t2] = rows;
    expect(t0).toMatchObject({ projectedViewers: 40, projectedBy: 'main', projectedRatio: 1, busiest: { thread: 'main', perViewerPercent: 2 } });
    expect(t1).toMatchObject({ projectedViewers: 53, projectedBy: 'fwd-0', projectedRatio: 1.33, busiest: { thread: 'fwd-0', perViewerPercent: 1.6 } });
    expect(t2).toMatchObject({ threadBoundViewers: 106, threadBoundBy: 'fwd-0', projectedViewers: 75, projectedBy: 'cores', projectedRatio: 1.88, threadBoundRatio: 2.65 });
    expect(t2!.split).toBe('main 2% · fwd-0 37% · fwd-1 37% · other 24%');
    expect(rows.every((r) => r.representative && r.leftOut.length === 0)).toBe(true);
  });

  it('leaves out a run whose node dropped the publisher\'s packets, unless every run of that count did', () => {
    const clean = run(1, { main: 5, 'fwd-0': 0, other: 1 }, { main: 7, 'fwd-0': 64, other: 5 });
    const starved = { ...run(1, { main: 5, 'fwd-0': 0, other: 1 }, { main: 7, 'fwd-0': 30, other: 5 }), order: 2 };
    starved.loaded = { ...starved.loaded, udpDrops: { node: 300, farm: 0 }, nodeWaitPercent: 250 };
    const [both] = summariseScaling([clean, starved], [1], 40, 85, 2);
    expect(both).toMatchObject({ runs: 1, projectedViewers: 53, representative: true });
    expect(both!.leftOut).toEqual([{ order: 2, why: "the node's sockets dropped 300 datagrams (its threads waited 250% of the window for a CPU)" }]);
    const backlogged = { ...clean, order: 3, loaded: { ...clean.loaded, eventLoopPercent: { main: 10, threads: [99], viewersPerThread: [40] } } };
    expect(summariseScaling([clean, backlogged], [1], 40, 85, 2)[0]!.leftOut).toEqual([{ order: 3, why: "fwd-0's event loop was 99% busy (its threads waited 0% of the window for a CPU)" }]);
    const [only] = summariseScaling([starved], [1], 40, 85, 2);
    expect(only).toMatchObject({ runs: 1, representative: false, leftOut: [] });
  });

  it('divides each run\'s rise in CPU by how fast the machine ran it, read off the farm', () => {
    // The same work twice, the second window on a machine a third slower: node and farm both rise by a third more.
    const fast = run(0, { main: 5, other: 1 }, { main: 65, other: 5 });
    fast.loaded = { ...fast.loaded, farmCpuPercent: 62 };
    fast.idle = { ...fast.idle, farmCpuPercent: 2 };
    const slow = { ...run(0, { main: 5, other: 1 }, { main: 85, other: 5 }), order: 2 };
    slow.loaded = { ...slow.loaded, farmCpuPercent: 82 };
    slow.idle = { ...slow.idle, farmCpuPercent: 2 };
    const { runs, speedFactors } = farmNormalisedRuns([fast, slow]);
    expect(speedFactors).toEqual([
      { order: 1, factor: 0.857 },
      { order: 2, factor: 1.143 },
    ]);
    const mains = runs.map((r) => r.loaded.threadCpuPercent.main!);
    expect(mains[0]).toBeCloseTo(75, 0);
    expect(mains[1]).toBeCloseTo(75, 0);
    expect(runs[0]!.idle).toEqual(fast.idle);
  });
});
