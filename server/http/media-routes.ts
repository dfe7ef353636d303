import type { IncomingMessage, ServerResponse } from 'node:http';
import { requirePublishToken } from '../auth.js';
import { CurbcastError, ServiceUnavailableError } from '../errors.js';
import { MAX_SDP_BYTES } from '../sfu/sdp.js';
import type { Sfu } from '../sfu/sfu.js';
import { z } from 'zod';
import { QUALITY_PREFERENCES, WHEP_LAYER_REL } from '../../common/quality.js';
import { readBody, readJsonAs, requireContentType } from './body.js';
import type { Route } from './router.js';
import { LAPTOP_FULL_MESSAGE, ViewerAdmission, clientAddress } from './viewer-admission.js';

/**
 * WHIP (RFC 9725) and WHEP: one offer in, one answer out, the session named by `Location`.
 * `iceLinks`: the busker's STUN/TURN servers as `Link: <…>; rel="ice-server"` headers (§4.6) on the 201.
 */
export function mediaRoutes(
  sfu: Sfu,
  publishToken: () => string,
  admission = new ViewerAdmission(),
  iceLinks: () => string[] = () => [],
): Route[] {
  return [
    {
      method: 'POST',
      path: '/whip',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        const offer = await readOffer(req);
        // `?resume=<session id>`: the studio reconnecting to its own live set (see Sfu.publish).
        const resumeId = new URL(req.url ?? '/', 'http://node').searchParams.get('resume') ?? undefined;
        const { sessionId, answer } = await sfu.publish(offer, resumeId);
        sendAnswer(res, `/whip/${sessionId}`, answer, iceLinks());
      },
    },
    {
      method: 'DELETE',
      path: '/whip/:id',
      handle(req, res, params) {
        requirePublishToken(req, publishToken());
        sfu.endPublish(params.id ?? '');
        res.writeHead(200).end();
      },
    },
    {
      method: 'POST',
      path: '/whep',
      public: true,
      async handle(req, res) {
        // Counted before the body is read: a flood of offers costs the node next to nothing.
        const release = admission.admit(clientAddress(req));
        let session: { sessionId: string; answer: string };
        try {
          const offer = await readOffer(req);
          session = await sfu.play(offer);
        } catch (error) {
          release();
          // The set's own cap (--max-viewers): the same words as the per-address one.
          if (error instanceof CurbcastError && error.status === 503) throw new ServiceUnavailableError(LAPTOP_FULL_MESSAGE, 30, 'full');
          throw error;
        }
        // The slot is freed when the session ends, however it ends (DELETE, timeout, set over).
        const viewer = sfu.stage?.viewer(session.sessionId);
        if (!viewer || viewer.closed) release();
        else viewer.once('close', release);
        const layerLink = `</whep/${session.sessionId}/layer>; rel="${WHEP_LAYER_REL}"`;
        sendAnswer(res, `/whep/${session.sessionId}`, session.answer, [...iceLinks(), layerLink]);
      },
    },
    {
      // The viewer's Auto / High / Low: a WHEP session's layer link (after the WHEP draft's extension).
      method: 'POST',
      path: '/whep/:id/layer',
      public: true,
      async handle(req, res, params) {
        const { quality } = await readJsonAs(req, LayerRequestSchema, 'layer request', 'bad_layer');
        sfu.preferQuality(params.id ?? '', quality);
        res.writeHead(204).end();
      },
    },
    {
      // A WHEP session id is an unguessable UUID known only to the viewer that got it.
      method: 'DELETE',
      path: '/whep/:id',
      public: true,
      handle(_req, res, params) {
        sfu.endPlay(params.id ?? '');
        res.writeHead(200).end();
      },
    },
  ];
}

const LayerRequestSchema = z.object({ quality: z.enum(QUALITY_PREFERENCES) }).strict();

async function readOffer(req: IncomingMessage): Promise<string> {
  requireContentType(req, 'application/sdp');
  return readBody(req, MAX_SDP_BYTES);
}

function sendAnswer(res: ServerResponse, location: string, answer: string, links: string[]): void {
  res.writeHead(201, {
    'Content-Type': 'application/sdp',
    'Content-Length': Buffer.byteLength(answer),
    Location: location,
    'Cache-Control': 'no-store',
    ...(links.length > 0 ? { Link: links } : {}),
  });
  res.end(answer);
}
