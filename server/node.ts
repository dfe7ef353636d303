import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PublishToken } from './auth.js';
import { Audience } from './audience/audience.js';
import type { SchedulerClock } from './audience/scheduler.js';
import { apiRoutes } from './http/api-routes.js';
import { createHttpServer, pathOf } from './http/http-server.js';
import { mediaRoutes } from './http/media-routes.js';
import { libraryRoutes } from './http/library-routes.js';
import { audienceRoutes } from './http/audience-routes.js';
import { clipRoutes } from './http/clip-routes.js';
import { tokenRoutes } from './http/token-routes.js';
import { ViewerAdmission, type ViewerLimits } from './http/viewer-admission.js';
import { adminRoutes } from './http/admin-routes.js';
import { iceRoutes } from './http/ice-routes.js';
import { relayRoutes } from './http/relay-routes.js';
import { Relay } from './relay/relay.js';
import { IceServerStore } from './ice/ice-servers.js';
import { collectGauges } from './diagnostics/gauges.js';
import { ClipExporter } from './clips/clip-exporter.js';
import { ClipFiles } from './clips/clip-files.js';
import { ShortsGallery } from './clips/shorts-gallery.js';
import { MediaLinks } from './media-links.js';
import { viewerUrls } from './network.js';
import { defaultPagesDir } from './paths.js';
import { warmDtlsCertificate, type IceSettings } from './sfu/peer-config.js';
import { Sfu } from './sfu/sfu.js';
import { defaultForwardingThreads, ForwardingPool } from './sfu/forwarding/forwarding-pool.js';
import type { ThreadPlacement } from './sfu/forwarding/thread-placement.js';
import { LIBRARY_FILE, openLibraryDatabase, type WritableDB } from './library/database.js';
import { SetArchive, type ArchiveOptions } from './record/archive.js';

/** The port tried first; when taken, the node falls back to any free port. */
export const DEFAULT_PORT = 8788;

export interface NodeOptions {
  /** Interface to listen on; 0.0.0.0 so phones on the same network can watch. */
  host?: string;
  /** 0 for any free port; undefined for DEFAULT_PORT, falling back to a free one. */
  port?: number;
  dataDir: string;
  /** Overrides the token kept in the data folder. */
  publishToken?: string;
  pagesDir?: string;
  ice?: IceSettings;
  logger: Logger;
  maxViewers?: number;
  /**
   * Threads that run the viewers' peers (0: all on the main thread). Default: one per core beyond
   * the first, at least one, at most four (defaultForwardingThreads).
   */
  forwardingThreads?: number;
  /** How new viewers are placed on the forwarding threads (thread-placement.ts); default `even`. */
  threadPlacement?: ThreadPlacement | undefined;
  /** Per-IP caps on WHEP sessions at once and on new sessions per second (defaults in viewer-admission.ts). */
  viewerLimits?: Partial<ViewerLimits>;
  connectTimeoutMs?: number;
  silenceTimeoutMs?: number;
  /** How long a live set whose publisher was lost waits for it to come back, ms (30 s). */
  reconnectGraceMs?: number;
  heartbeatMs?: number;
  archive?: ArchiveOptions;
  /** Tests drive the schedule's timers with a fake clock. */
  clock?: SchedulerClock;
}

export interface CurbcastNode {
  readonly port: number;
  /** http://localhost:PORT — what the busker's own machine opens. */
  readonly localUrl: string;
  /** The studio, with the current token in the fragment (never sent to a server or written to a log). */
  readonly studioUrl: string;
  /** Where passers-by can watch, best first. */
  readonly viewerUrls: string[];
  /** The current publish token (it changes when the studio rotates it). */
  readonly publishToken: string;
  /** Where the token is kept, or undefined when given on the command line / environment. */
  readonly tokenPath: string | undefined;
  readonly sfu: Sfu;
  readonly archive: SetArchive;
  /** The library database (tests read it; the node's own writes go through the archive). */
  readonly db: WritableDB;
  /** Chat, the busker's page, schedule, markers — and the events sockets that carry them. */
  readonly audience: Audience;
  close(): Promise<void>;
}

/** Opens the node's rooms in order (token, SFU, events, HTTP) and closes them in reverse. */
export async function startNode(options: NodeOptions): Promise<CurbcastNode> {
  const logger = options.logger;
  const token = await PublishToken.open(options.dataDir, options.publishToken);
  // The main thread's (publisher's, and viewers' without threads) certificate, made while we start.
  const certificate = warmDtlsCertificate().catch((error: unknown) => logger.warn({ error }, 'DTLS certificate not made ahead'));

  const forwarding = await startForwarding(options.forwardingThreads ?? defaultForwardingThreads(), options.threadPlacement, logger);
  let db: WritableDB | undefined;
  try {
    db = openLibraryDatabase(join(options.dataDir, LIBRARY_FILE));
    const node = await openRooms(options, token, forwarding, db);
    await certificate;
    return node;
  } catch (error) {
    // A node that did not start leaves nothing running: its threads stop, its database closes.
    db?.close();
    await forwarding?.close();
    throw error;
  }
}

/** Everything past the threads and the database, which startNode() undoes if this throws. */
async function openRooms(
  options: NodeOptions,
  token: PublishToken,
  forwarding: ForwardingPool | undefined,
  db: WritableDB,
): Promise<CurbcastNode> {
  const host = options.host ?? '0.0.0.0';
  const logger = options.logger;
  const publishToken = () => token.value;
  const sfu = new Sfu({
    forwarding,
    ice: options.ice ?? {},
    logger,
    maxViewers: options.maxViewers,
    connectTimeoutMs: options.connectTimeoutMs,
    silenceTimeoutMs: options.silenceTimeoutMs,
    reconnectGraceMs: options.reconnectGraceMs,
  });
  const archive = new SetArchive(db, options.dataDir, sfu, logger, options.archive);
  await archive.repair();
  const links = new MediaLinks(publishToken);
  const clipFiles = new ClipFiles(db, options.dataDir);
  const audience = new Audience({
    sfu,
    archive,
    db,
    dataDir: options.dataDir,
    publishToken,
    logger,
    heartbeatMs: options.heartbeatMs,
    clock: options.clock,
    gallery: (rules) => new ShortsGallery(db, options.dataDir, rules, links),
  });
  const exporter = new ClipExporter(db, clipFiles, (row) => audience.gallery.toClip(row), logger);
  exporter.on('job', (job) => audience.toBusker({ type: 'clip-job', job }));
  let urls: string[] = [];
  // STUN/TURN for browsers (issue #8): none unless the busker adds some in the studio.
  const iceServers = new IceServerStore(db);
  // "Also publish to" (issue #8, part 3): the live set relayed to the busker's WHIP target, if any.
  const relay = new Relay({
    sets: sfu,
    db,
    network: options.ice ?? {},
    stunUrls: () => iceServers.view().servers.flatMap((server) => server.urls),
    logger,
  });
  relay.on('state', (state) => audience.toBusker({ type: 'relay', state }));
  const server = createHttpServer({
    routes: [
      ...mediaRoutes(sfu, publishToken, new ViewerAdmission(options.viewerLimits), () => iceServers.linkHeaders()),
      ...iceRoutes({ ice: iceServers, publishToken }),
      ...relayRoutes({ relay, publishToken }),
      ...apiRoutes({ sfu, publishToken, viewerUrls: () => urls }),
      ...libraryRoutes({ db, dataDir: options.dataDir, archive, links, publishToken }),
      ...clipRoutes({ db, files: clipFiles, exporter, gallery: audience.gallery, links, publishToken }),
      ...audienceRoutes({ audience, db, publishToken }),
      ...tokenRoutes(token),
      ...adminRoutes({ publishToken, gauges: ({ gc }) => collectGauges({ sfu, archive, audience, exporter, server }, { gc }) }),
    ],
    pagesDir: options.pagesDir ?? defaultPagesDir(),
    logger,
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    // pathOf, not `new URL(req.url, base)`: that throws on a target such as "//", and a throw here is uncaught.
    if (pathOf(req) === '/events') audience.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  const port = await listen(server, host, options.port);
  urls = viewerUrls(host, port);
  const localUrl = `http://localhost:${port}`;
  logger.info({ host, port }, 'node listening');

  // A rotated token ends the old one's admin access at once, open studio sockets included: each
  // loses the busker's role and identity on the spot (no more private events; chat needs a new
  // hello, and a hello with the old token makes a viewer) and is told why. The socket stays open,
  // so the studio that rotated does not flash "reconnecting" before it reloads with the new token.
  token.on('rotated', () => {
    for (const connection of audience.hub.connections()) {
      if (!connection.isBusker) continue;
      connection.identity = undefined;
      connection.refuse('token_changed', 'The publish token was changed; open the studio with the new one.');
    }
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    localUrl,
    get studioUrl() {
      return `${localUrl}/studio/#token=${encodeURIComponent(token.value)}`;
    },
    viewerUrls: urls,
    get publishToken() {
      return token.value;
    },
    tokenPath: token.path,
    sfu,
    archive,
    db,
    audience,
    close() {
      closing ??= (async () => {
        // No new requests first: a WHIP or WHEP offer arriving while the rooms close would open
        // a peer on a node that is going away. Open sockets still hear that the set ended.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // The relay first: it says goodbye to its target (DELETE) while the set's tracks still exist.
        await relay.close();
        // Ending the stage queues the recording's finalisation, which archive.close() awaits.
        sfu.close();
        await archive.close();
        await exporter.close();
        audience.close();
        server.closeAllConnections();
        await serverClosed;
        await forwarding?.close();
        db.close();
      })();
      return closing;
    },
  };
}

/**
 * The forwarding threads, or none: with 0 asked, or where threads cannot start (the viewers then
 * run on the main thread, as before issue #9; the node says so once).
 */
async function startForwarding(threads: number, placement: ThreadPlacement | undefined, logger: Logger): Promise<ForwardingPool | undefined> {
  if (threads <= 0) return undefined;
  try {
    return await ForwardingPool.start({ threads, logger, ...(placement ? { placement } : {}) });
  } catch (error) {
    logger.warn({ error, threads }, 'forwarding threads could not start; viewers will be served from the main thread');
    return undefined;
  }
}

async function listen(server: Server, host: string, port: number | undefined): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  if (port !== undefined) return tryPort(port);
  try {
    return await tryPort(DEFAULT_PORT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return tryPort(0);
  }
}
