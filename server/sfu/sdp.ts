import * as sdpTransform from 'sdp-transform';
import { BadRequestError } from '../errors.js';

/** An SDP offer larger than this is not from a browser or OBS; refuse it before parsing. */
export const MAX_SDP_BYTES = 64 * 1024;

export type OfferDirection = 'publish' | 'play';

/**
 * Checks an offer before werift sees it, so a malformed one gets a 400 with a reason instead of
 * an exception deep inside the ICE/DTLS stack.
 */
export function validateOffer(sdp: string, direction: OfferDirection): sdpTransform.SessionDescription {
  if (sdp.trim().length === 0) throw new BadRequestError('The SDP offer is empty.', 'bad_sdp');
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) throw new BadRequestError('The SDP offer is too large.', 'bad_sdp');
  if (!/^v=0\r?\n/.test(sdp)) throw new BadRequestError('The SDP offer must start with "v=0".', 'bad_sdp');

  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch (error) {
    throw new BadRequestError(`The SDP offer could not be parsed: ${String(error)}`, 'bad_sdp');
  }
  const media = parsed.media ?? [];
  const av = media.filter((m) => m.type === 'audio' || m.type === 'video');
  if (av.length === 0) throw new BadRequestError('The SDP offer has no audio or video section.', 'bad_sdp');

  for (const m of av) {
    const ufrag = m.iceUfrag ?? parsed.iceUfrag;
    const pwd = m.icePwd ?? parsed.icePwd;
    if (!ufrag || !pwd) throw new BadRequestError(`The ${m.type} section has no ICE credentials.`, 'bad_sdp');
    const fingerprint = m.fingerprint ?? parsed.fingerprint;
    if (!fingerprint) throw new BadRequestError(`The ${m.type} section has no DTLS fingerprint.`, 'bad_sdp');
    // sdp-transform reads a malformed m= line ("m=video  9  UDP/…") into a numeric protocol: check the type.
    if (typeof m.protocol !== 'string' || !m.protocol.includes('SAVPF')) {
      throw new BadRequestError(`The ${m.type} section must use UDP/TLS/RTP/SAVPF.`, 'bad_sdp');
    }
    if (!Array.isArray(m.rtp) || m.rtp.length === 0) throw new BadRequestError(`The ${m.type} section offers no codec.`, 'bad_sdp');
    const direction_ = m.direction ?? parsed.direction ?? 'sendrecv';
    if (direction === 'publish' && (direction_ === 'recvonly' || direction_ === 'inactive')) {
      throw new BadRequestError(`A WHIP offer must send media; the ${m.type} section is ${direction_}.`, 'bad_sdp');
    }
    if (direction === 'play' && (direction_ === 'sendonly' || direction_ === 'inactive')) {
      throw new BadRequestError(`A WHEP offer must receive media; the ${m.type} section is ${direction_}.`, 'bad_sdp');
    }
  }
  if (direction === 'publish' && !av.some((m) => m.type === 'video')) {
    throw new BadRequestError('A WHIP offer must carry a video track.', 'bad_sdp');
  }
  return parsed;
}

export interface AnswerRewrite {
  /** Keep only ICE candidates on these addresses (e.g. ['127.0.0.1'] in tests); all when undefined. */
  candidateAddresses?: readonly string[] | undefined;
}

/**
 * werift echoes the offer's feedback lines into its answer even where it does not implement them.
 * transport-cc in particular makes Chromium trust werift's (absent) congestion feedback and sit at
 * ~200 kbit/s; without it Chromium follows the REMB the node sends (see NOTES-media.md).
 */
export function rewriteAnswer(sdp: string, rewrite: AnswerRewrite): string {
  const parsed = sdpTransform.parse(sdp);
  // werift writes a=ice-lite into each media section; RFC 8839 puts it at session level only.
  let lite = false;
  for (const m of parsed.media as Array<(typeof parsed.media)[number] & { icelite?: string }>) {
    if (m.icelite) lite = true;
    delete m.icelite;
    m.rtcpFb = m.rtcpFb?.filter((fb) => fb.type !== 'transport-cc');
    m.ext = m.ext?.filter((ext) => !ext.uri.includes('transport-wide-cc'));
    if (rewrite.candidateAddresses && m.candidates) {
      const allowed = rewrite.candidateAddresses;
      m.candidates = m.candidates.filter((c) => allowed.includes(c.ip));
    }
  }
  if (lite) parsed.icelite = 'ice-lite';
  return sdpTransform.write(parsed);
}
