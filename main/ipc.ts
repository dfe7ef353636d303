import { z } from 'zod';
import type { BridgeChannel, BridgeReply } from '../common/bridge.js';
import { sameOrigin } from './origin.js';

/** The frame that sent an invoke (Electron's `event.senderFrame`): its URL and whether it is a sub-frame. */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

export interface InvokeEvent {
  senderFrame: SenderFrame | null;
}

/** What registerIpc needs of `ipcMain`. */
export interface IpcRegistrar {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
}

/** One bridge method: its arguments' schema (a tuple) and what it does. */
export interface BridgeHandler {
  channel: BridgeChannel;
  args: z.ZodType<unknown[]>;
  run: (...args: unknown[]) => Promise<unknown>;
}

export function handler<A extends unknown[], R>(channel: BridgeChannel, args: z.ZodType<A>, run: (...args: A) => Promise<R>): BridgeHandler {
  return { channel, args, run: run as unknown as (...args: unknown[]) => Promise<unknown> };
}

/**
 * Only the studio's own main frame, on the node's origin, may call: a sub-frame, another origin
 * (a page the window was somehow sent to) or an unknown sender is refused before any argument
 * is looked at.
 */
export function trustedSender(event: InvokeEvent, origin: string | undefined): boolean {
  const frame = event.senderFrame;
  if (!frame || !origin) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return sameOrigin(frame.url, origin);
}

/**
 * Registers every bridge method on `ipc` behind one wrapper: channels must be `curbcast:*`, the
 * sender must be trusted, arguments must parse; the reply is `{ok, value}` or `{ok: false, error}`
 * (never a thrown error, whose text Electron would mangle).
 */
export function registerIpc(
  ipc: IpcRegistrar,
  handlers: readonly BridgeHandler[],
  origin: () => string | undefined,
  log: (message: string) => void = () => undefined,
): void {
  for (const { channel, args, run } of handlers) {
    if (!channel.startsWith('curbcast:')) throw new Error(`bridge channel "${channel}" must start with curbcast:`);
    ipc.handle(channel, async (event, ...raw): Promise<BridgeReply<unknown>> => {
      if (!trustedSender(event, origin())) {
        log(`refused ${channel} from ${event.senderFrame?.url ?? 'an unknown sender'}`);
        return { ok: false, error: 'Not allowed from this page.' };
      }
      const parsed = args.safeParse(raw);
      if (!parsed.success) return { ok: false, error: `Bad arguments for ${channel}: ${z.prettifyError(parsed.error)}` };
      try {
        return { ok: true, value: await run(...parsed.data) };
      } catch (error) {
        log(`${channel} failed: ${(error as Error).message}`);
        return { ok: false, error: (error as Error).message || 'Something went wrong.' };
      }
    });
  }
}
