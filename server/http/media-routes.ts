import type { IncomingMessage, ServerResponse } from 'node:http';
import { requirePublishToken } from '../auth.js';
import { MAX_SDP_BYTES } from '../sfu/sdp.js';
import type { Sfu } from '../sfu/sfu.js';
import { readBody, requireContentType } from './body.js';
import type { Route } from './router.js';

/** WHIP (RFC 9725) and WHEP: one offer in, one answer out, the session named by `Location`. */
export function mediaRoutes(sfu: Sfu, publishToken: () => string): Route[] {
  return [
    {
      method: 'POST',
      path: '/whip',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        const offer = await readOffer(req);
        const { sessionId, answer } = await sfu.publish(offer);
        sendAnswer(res, `/whip/${sessionId}`, answer);
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
      async handle(req, res) {
        const offer = await readOffer(req);
        const { sessionId, answer } = await sfu.play(offer);
        sendAnswer(res, `/whep/${sessionId}`, answer);
      },
    },
    {
      // A WHEP session id is an unguessable UUID known only to the viewer that got it.
      method: 'DELETE',
      path: '/whep/:id',
      handle(_req, res, params) {
        sfu.endPlay(params.id ?? '');
        res.writeHead(200).end();
      },
    },
  ];
}

async function readOffer(req: IncomingMessage): Promise<string> {
  requireContentType(req, 'application/sdp');
  return readBody(req, MAX_SDP_BYTES);
}

function sendAnswer(res: ServerResponse, location: string, answer: string): void {
  res.writeHead(201, {
    'Content-Type': 'application/sdp',
    'Content-Length': Buffer.byteLength(answer),
    Location: location,
    'Cache-Control': 'no-store',
  });
  res.end(answer);
}
