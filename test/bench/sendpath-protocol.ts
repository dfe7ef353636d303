/** Messages between the `sendpath` bench section (parent) and its sender process (sendpath-sender.ts, IPC). */

export type SendPathRequest =
  /** A viewer's WHEP-style offer: the sender answers with a viewer-like werift peer. */
  | { id: number; cmd: 'add'; offer: string }
  /** Closes the viewer `add` answered as `viewer` (one that did not connect in time). */
  | { id: number; cmd: 'remove'; viewer: number }
  /** Start or stop the synthetic publisher (the same packets go to every connected viewer); replies `{ forwarded }` so far. */
  | { id: number; cmd: 'media'; on: boolean }
  /** Forward with the fast path (installFastPath) or with werift's sendRtp (uninstallFastPath). */
  | { id: number; cmd: 'mode'; fast: boolean }
  | { id: number; cmd: 'window-start' }
  | { id: number; cmd: 'window-end' }
  | { id: number; cmd: 'close' };

export type SendPathReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface SenderWindow {
  seconds: number;
  /** CPU time of the sender process (user + system, all threads), µs. */
  cpuMicros: number;
  /** Packets handed to a connected viewer's sender (forwardRtp calls). */
  forwarded: number;
  /** Packets the synthetic publisher made. */
  sourcePackets: number;
  /** Whether the fast path was installed during the window. */
  fast: boolean;
}

export interface AddReply {
  viewer: number;
  answer: string;
}

export interface ModeReply {
  fast: boolean;
  /** What the viewers' senders negotiated (header extension URIs per kind): what every packet carries. */
  headerExtensions: Record<string, string[]>;
  srtpProfiles: number[];
}
