import { describe, expect, it } from 'vitest';
import { trayView, type TrayItem } from '../../../main/tray-model.js';

const action = (items: TrayItem[], name: string) => items.find((i) => i.kind === 'action' && i.action === name) as Extract<TrayItem, { kind: 'action' }>;

describe('the tray', () => {
  it('offline: grey icon, "Offline", End set disabled', () => {
    const view = trayView({ live: false, viewers: 0, phase: 'running' });
    expect(view.icon).toBe('tray-offline');
    expect(view.tooltip).toBe('Curbcast — Offline');
    expect(view.items[0]).toEqual({ kind: 'status', label: 'Offline' });
    expect(action(view.items, 'end-set').enabled).toBe(false);
    expect(action(view.items, 'open-studio').enabled).toBe(true);
    expect(action(view.items, 'quit').enabled).toBe(true);
  });

  it('live: red icon, the viewer count, End set enabled', () => {
    const view = trayView({ live: true, viewers: 12, phase: 'running' });
    expect(view.icon).toBe('tray-live');
    expect(view.tooltip).toBe('Curbcast — Live · 12 watching');
    expect(action(view.items, 'end-set').enabled).toBe(true);
  });

  it('while quitting: says it is saving, and offers nothing that would interrupt', () => {
    const view = trayView({ live: true, viewers: 3, phase: 'stopping' });
    expect(view.tooltip).toContain('Ending the set and saving');
    expect(view.items.filter((i) => i.kind === 'action' && i.enabled)).toEqual([]);
  });

  it('while starting: says so; End set is not offered', () => {
    const view = trayView({ live: false, viewers: 0, phase: 'starting' });
    expect(view.items[0]).toEqual({ kind: 'status', label: 'Starting…' });
    expect(action(view.items, 'end-set').enabled).toBe(false);
  });
});
