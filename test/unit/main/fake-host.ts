import { vi } from 'vitest';
import type { HostProcess } from '../../../main/node-client.js';
import type { MainMessage } from '../../../main/protocol.js';

/** A node host stand-in: records what main sends, and lets a test answer as the host would. */
export function fakeHost() {
  let onMessage: ((message: unknown) => void) | undefined;
  let onExit: ((code: number) => void) | undefined;
  const sent: MainMessage[] = [];
  const host: HostProcess = {
    postMessage: (message) => void sent.push(message),
    onMessage: (listener) => void (onMessage = listener),
    onExit: (listener) => void (onExit = listener),
    kill: vi.fn(() => onExit?.(9)),
  };
  return {
    host,
    sent,
    reply: (message: unknown) => onMessage?.(message),
    exit: (code: number) => onExit?.(code),
  };
}

export const READY = {
  type: 'ready',
  localUrl: 'http://localhost:8788',
  studioUrl: 'http://localhost:8788/studio/#token=secret-token-0123456789',
  viewerUrls: ['http://192.168.1.20:8788/'],
  dataDir: '/data',
  recordingsDir: '/data/recordings',
} as const;
