import { describe, expect, it, vi } from 'vitest';
import { claimSingleInstance, type Focusable } from '../../../main/single-instance.js';

function lock(granted: boolean) {
  let onSecond: (() => void) | undefined;
  return {
    lock: { requestLock: () => granted, onSecondInstance: (listener: () => void) => void (onSecond = listener) },
    secondLaunch: () => onSecond?.(),
    listening: () => onSecond !== undefined,
  };
}

function window(minimized: boolean): Focusable & { calls: string[] } {
  const calls: string[] = [];
  return { calls, isMinimized: () => minimized, restore: () => void calls.push('restore'), show: () => void calls.push('show'), focus: () => void calls.push('focus') };
}

describe('single instance', () => {
  it('the second launch gets no lock: it must quit before starting anything', () => {
    const { lock: second, listening } = lock(false);
    expect(claimSingleInstance(second, () => undefined, () => undefined)).toBe(false);
    expect(listening()).toBe(false);
  });

  it('the first instance restores, shows and focuses its studio when launched again', () => {
    const { lock: first, secondLaunch } = lock(true);
    const studio = window(true);
    expect(claimSingleInstance(first, () => studio, () => undefined)).toBe(true);
    secondLaunch();
    expect(studio.calls).toEqual(['restore', 'show', 'focus']);
  });

  it('reopens the studio when it was closed', () => {
    const { lock: first, secondLaunch } = lock(true);
    const reopen = vi.fn();
    claimSingleInstance(first, () => undefined, reopen);
    secondLaunch();
    expect(reopen).toHaveBeenCalledOnce();
  });
});
