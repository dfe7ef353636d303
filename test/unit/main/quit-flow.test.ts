import { describe, expect, it, vi } from 'vitest';
import { QuitFlow, type QuitFlowOptions, type QuitPhase } from '../../../main/quit-flow.js';

function flow(overrides: Partial<QuitFlowOptions> = {}) {
  const calls: string[] = [];
  const phases: QuitPhase[] = [];
  const options: QuitFlowOptions = {
    isLive: () => false,
    confirm: async () => {
      calls.push('confirm');
      return true;
    },
    stopNode: async () => void calls.push('stop'),
    exit: () => void calls.push('exit'),
    timeoutMs: 1000,
    onPhase: (phase) => void phases.push(phase),
    ...overrides,
  };
  return { quit: new QuitFlow(options), calls, phases };
}

describe('quitting', () => {
  it('not live: stops the node (closing the library) and exits, without asking', async () => {
    const { quit, calls, phases } = flow();
    expect(await quit.request()).toBe('exited');
    expect(calls).toEqual(['stop', 'exit']);
    expect(phases).toEqual(['stopping', 'done']);
  });

  it('live: asks first; yes ends the set through the node, then exits', async () => {
    const { quit, calls } = flow({ isLive: () => true });
    expect(await quit.request()).toBe('exited');
    expect(calls).toEqual(['confirm', 'stop', 'exit']);
  });

  it('live: no keeps everything running, and a later quit asks again', async () => {
    let answer = false;
    const { quit, calls } = flow({
      isLive: () => true,
      confirm: async () => {
        calls.push('confirm');
        return answer;
      },
    });
    expect(await quit.request()).toBe('cancelled');
    expect(quit.phase).toBe('running');
    expect(calls).toEqual(['confirm']);
    answer = true;
    expect(await quit.request()).toBe('exited');
    expect(calls).toEqual(['confirm', 'confirm', 'stop', 'exit']);
  });

  it('ignores a second quit while asking or stopping (the recording is finalised once, then exit once)', async () => {
    let finishStop!: () => void;
    const stopNode = vi.fn(() => new Promise<void>((resolve) => (finishStop = resolve)));
    const { quit, calls } = flow({ isLive: () => true, stopNode });
    const first = quit.request();
    expect(await quit.request()).toBe('ignored'); // while asking
    await vi.waitFor(() => expect(quit.phase).toBe('stopping'));
    expect(await quit.request()).toBe('ignored'); // while stopping
    finishStop();
    expect(await first).toBe('exited');
    expect(stopNode).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c === 'exit')).toHaveLength(1);
    expect(await quit.request()).toBe('ignored'); // after done
  });

  it('exits anyway when the node does not stop in time', async () => {
    vi.useFakeTimers();
    try {
      const log = vi.fn();
      const { quit, calls } = flow({ stopNode: () => new Promise(() => undefined), timeoutMs: 5000, log });
      const done = quit.request();
      await vi.advanceTimersByTimeAsync(5000);
      expect(await done).toBe('exited');
      expect(calls).toEqual(['exit']);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('did not stop within 5000 ms'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('exits when stopping the node fails, and when the dialog fails it keeps running', async () => {
    const failing = flow({ stopNode: async () => Promise.reject(new Error('gone')) });
    expect(await failing.quit.request()).toBe('exited');
    const broken = flow({ isLive: () => true, confirm: async () => Promise.reject(new Error('no display')) });
    expect(await broken.quit.request()).toBe('cancelled');
  });
});
