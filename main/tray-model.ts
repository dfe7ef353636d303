import type { NodeState } from './protocol.js';

export type TrayIcon = 'tray-live' | 'tray-offline';
export type TrayAction = 'open-studio' | 'end-set' | 'quit';

export type TrayItem =
  | { kind: 'status'; label: string }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { kind: 'separator' };

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  items: TrayItem[];
}

export interface TrayInput extends NodeState {
  /** The node is not up yet (starting) or is shutting down. */
  phase: 'starting' | 'running' | 'stopping';
}

/** What the tray shows for a state: pure, so every state is tested without a tray. */
export function trayView({ live, viewers, phase }: TrayInput): TrayView {
  const watching = `${viewers} watching`;
  const status =
    phase === 'starting' ? 'Starting…' : phase === 'stopping' ? 'Ending the set and saving…' : live ? `Live · ${watching}` : 'Offline';
  return {
    icon: live ? 'tray-live' : 'tray-offline',
    tooltip: `Curbcast — ${status}`,
    items: [
      { kind: 'status', label: status },
      { kind: 'separator' },
      { kind: 'action', action: 'open-studio', label: 'Open studio', enabled: phase !== 'stopping' },
      { kind: 'action', action: 'end-set', label: 'End set', enabled: live && phase === 'running' },
      { kind: 'separator' },
      { kind: 'action', action: 'quit', label: 'Quit Curbcast', enabled: phase !== 'stopping' },
    ],
  };
}
