import { describe, expect, it } from 'vitest';
import { chooseThread, EventLoopMeter, PACK_UNTIL_BUSY } from '../../../server/sfu/forwarding/thread-placement.js';

const load = (thread: string, busy: number, sessions: number) => ({ thread, busy, sessions });

describe('thread placement', () => {
  it('pack: the first thread under the mark, else the least busy', () => {
    expect(chooseThread([load('a', 0.3, 40), load('b', 0, 0)], 'pack')).toBe('a');
    expect(chooseThread([load('a', PACK_UNTIL_BUSY, 45), load('b', 0.1, 2)], 'pack')).toBe('b');
    expect(chooseThread([load('a', 0.7, 60), load('b', 0.6, 50), load('c', 0.65, 55)], 'pack')).toBe('b');
  });

  it('even: the thread with the fewest sessions, the first of equals', () => {
    expect(chooseThread([load('a', 0, 2), load('b', 0.9, 1)], 'even')).toBe('b');
    expect(chooseThread([load('a', 0, 1), load('b', 0, 1)], 'even')).toBe('a');
  });

  it('no live thread: none', () => {
    expect(chooseThread([], 'pack')).toBeUndefined();
    expect(chooseThread([], 'even')).toBeUndefined();
  });
});

describe('EventLoopMeter', () => {
  it('gives each thread its busy share of the last window, and forgets threads that stopped', () => {
    const readings = new Map([
      ['a', { active: 0, idle: 0, utilization: 0 }],
      ['b', { active: 0, idle: 0, utilization: 0 }],
    ]);
    const meter = new EventLoopMeter<string>((thread) => readings.get(thread)!);
    meter.sample(['a', 'b']);
    // Idle until a window has closed.
    expect(meter.busy('a')).toBe(0);
    readings.set('a', { active: 300, idle: 700, utilization: 0.3 });
    readings.set('b', { active: 900, idle: 100, utilization: 0.9 });
    meter.sample(['a', 'b']);
    expect(meter.busy('a')).toBeCloseTo(0.3);
    expect(meter.busy('b')).toBeCloseTo(0.9);
    // The next window only: a's last second was idle.
    readings.set('a', { active: 300, idle: 1700, utilization: 0.15 });
    meter.sample(['a']);
    expect(meter.busy('a')).toBe(0);
    expect(meter.busy('b')).toBe(0);
  });
});
