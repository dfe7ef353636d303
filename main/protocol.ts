import { z } from 'zod';

/**
 * The node host's messages (main/node-host-entry.ts ⇄ main/node-client.ts). The node runs in an
 * Electron utility process (or, in tests, a Node child process); both sides parse what they
 * receive, so a change on one side is a type error on the other and a bad message is refused.
 */

/** node host → main */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    /** http://localhost:PORT — the window's origin. */
    localUrl: z.url(),
    /** The studio with the publish token in its fragment. */
    studioUrl: z.url(),
    viewerUrls: z.array(z.string()),
    dataDir: z.string(),
    recordingsDir: z.string(),
  }),
  /** Sent at start and whenever either value changes. */
  z.object({ type: z.literal('state'), live: z.boolean(), viewers: z.number().int().nonnegative() }),
  /** The answer to `clip-file`: where a clip's file is and its title, or null for no such clip. */
  z.object({
    type: z.literal('clip-file'),
    requestId: z.number().int(),
    clip: z.object({ path: z.string(), title: z.string() }).nullable(),
  }),
  /** The node could not start (sent instead of ready; the process then exits). */
  z.object({ type: z.literal('failed'), message: z.string() }),
  /** After `shutdown`: the set is ended, its recording finalised, the library closed. The process exits next. */
  z.object({ type: z.literal('stopped') }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;
export type ReadyMessage = Extract<HostMessage, { type: 'ready' }>;
export type NodeState = Omit<Extract<HostMessage, { type: 'state' }>, 'type'>;

/** main → node host */
export const MainMessageSchema = z.discriminatedUnion('type', [
  /** Ends the live set (if any); the node stays up. */
  z.object({ type: z.literal('end-set') }),
  z.object({ type: z.literal('clip-file'), requestId: z.number().int(), clipId: z.number().int().positive() }),
  /** End the set, finalise its recording, close the node, answer `stopped`, exit. */
  z.object({ type: z.literal('shutdown') }),
]);
export type MainMessage = z.infer<typeof MainMessageSchema>;
