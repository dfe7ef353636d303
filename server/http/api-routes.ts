import QRCode from 'qrcode';
import { SetInfoSchema } from '../../common/set-info.js';
import type { Share } from '../../common/api.js';
import { requirePublishToken } from '../auth.js';
import type { Sfu } from '../sfu/sfu.js';
import { readJsonAs } from './body.js';
import { sendJson } from './respond.js';
import type { Route } from './router.js';

export interface ApiContext {
  sfu: Sfu;
  publishToken: () => string;
  /** Where passers-by can reach the node, best first (LAN before localhost). */
  viewerUrls: () => string[];
}

export function apiRoutes({ sfu, publishToken, viewerUrls }: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/status',
      public: true,
      handle(_req, res) {
        sendJson(res, 200, sfu.status());
      },
    },
    {
      // The studio asks this first: it both checks the token and learns what it needs.
      method: 'GET',
      path: '/api/studio',
      handle(req, res) {
        requirePublishToken(req, publishToken());
        sendJson(res, 200, { ok: true, share: share(viewerUrls()) });
      },
    },
    {
      method: 'PUT',
      path: '/api/set',
      async handle(req, res) {
        requirePublishToken(req, publishToken());
        sfu.setInfo(await readJsonAs(req, SetInfoSchema, 'Set info', 'bad_set_info'));
        sendJson(res, 200, sfu.status());
      },
    },
    {
      method: 'GET',
      path: '/api/share',
      public: true,
      handle(_req, res) {
        sendJson(res, 200, share(viewerUrls()));
      },
    },
    {
      // The viewer URL as a QR code, large quiet zone and high error correction: it is scanned
      // from a laptop screen in daylight, at arm's length, by a phone in a hurry.
      method: 'GET',
      path: '/api/share/qr.svg',
      public: true,
      async handle(_req, res) {
        const svg = await QRCode.toString(share(viewerUrls()).viewerUrl, {
          type: 'svg',
          errorCorrectionLevel: 'M',
          margin: 4,
        });
        res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' });
        res.end(svg);
      },
    },
  ];
}

function share(urls: string[]): Share {
  return { viewerUrl: urls[0] ?? '', viewerUrls: urls };
}
