import { join } from 'node:path';
import type { CurbcastNode } from '../server/node.js';
import { getClip } from '../server/library/clips.js';
import { RECORDINGS_FOLDER } from '../server/record/archive.js';
import { MainMessageSchema, type HostMessage, type MainMessage, type NodeState } from './protocol.js';

/** The parent at the other end: Electron's `process.parentPort`, or a forked child's `process.send`. */
export interface HostChannel {
  send(message: HostMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (a forked child's IPC closed): shut down as if asked. */
  onDisconnect(listener: () => void): void;
}

export interface NodeHostOptions {
  channel: HostChannel;
  start: () => Promise<CurbcastNode>;
  /** The folder the node keeps its library, recordings and clips in. */
  dataDir: string;
  /** Called once everything is closed (the entry exits the process). */
  exit: (code: number) => void;
  /** What went wrong, for the log (the node's own logger once it runs). */
  report?: (error: unknown, what: string) => void;
}

/**
 * Runs the local node for the desktop app and speaks the host protocol (main/protocol.ts):
 * `ready` once listening, `state` on every change of live/viewers, answers `clip-file`, and on
 * `shutdown` ends the set, waits for the recording to be finalised and the library closed,
 * says `stopped` and exits.
 */
export async function runNodeHost({ channel, start, dataDir, exit, report = () => undefined }: NodeHostOptions): Promise<void> {
  let node: CurbcastNode | undefined;
  let starting: Promise<CurbcastNode | undefined> = Promise.resolve(undefined);
  let stopping: Promise<void> | undefined;
  // A shutdown during start-up waits for the node to be up, then closes it like any other.
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      let code = 0;
      try {
        await (await starting)?.close();
      } catch (error) {
        report(error, 'closing the node failed');
        code = 1;
      }
      channel.send({ type: 'stopped' });
      exit(code);
    })());

  const early: MainMessage[] = [];
  const handle = (message: MainMessage): void => {
    if (message.type === 'shutdown') {
      void shutdown();
      return;
    }
    if (!node) {
      early.push(message);
      return;
    }
    if (message.type === 'end-set') node.sfu.stage?.close('ended from the desktop app');
    else channel.send({ type: 'clip-file', requestId: message.requestId, clip: clipFile(node, dataDir, message.clipId) });
  };
  // Listen first: main may ask for something (or quit) while the node is still opening.
  channel.onMessage((raw) => {
    const parsed = MainMessageSchema.safeParse(raw);
    if (parsed.success) handle(parsed.data);
    else report(parsed.error, 'refused a malformed message from main');
  });
  channel.onDisconnect(() => void shutdown());

  const started = start();
  starting = started.catch(() => undefined);
  try {
    node = await started;
  } catch (error) {
    report(error, 'the node could not start');
    channel.send({ type: 'failed', message: (error as Error).message ?? String(error) });
    exit(1);
    return;
  }
  if (stopping) return;
  channel.send({
    type: 'ready',
    localUrl: node.localUrl,
    studioUrl: node.studioUrl,
    viewerUrls: node.viewerUrls,
    dataDir,
    recordingsDir: join(dataDir, RECORDINGS_FOLDER),
  });
  watchState(node, (state) => channel.send({ type: 'state', ...state }));
  for (const message of early.splice(0)) handle(message);
}

/** Sends the first state, then each change of live or viewers (the SFU's `status`/`viewers` events). */
export function watchState(node: Pick<CurbcastNode, 'sfu'>, send: (state: NodeState) => void): void {
  let last: NodeState | undefined;
  const update = () => {
    const { live, viewers } = node.sfu.status();
    if (last && last.live === live && last.viewers === viewers) return;
    last = { live, viewers };
    send(last);
  };
  node.sfu.on('status', update);
  node.sfu.on('viewers', update);
  update();
}

function clipFile(node: CurbcastNode, dataDir: string, clipId: number): { path: string; title: string } | null {
  const clip = getClip(node.db, clipId);
  return clip ? { path: join(dataDir, clip.file), title: clip.title } : null;
}
