import type { RTCPeerConnection } from 'werift';
import { BadRequestError } from '../errors.js';
import { keepEarlyDtlsRecords } from './dtls-early-records.js';
import { rewriteAnswer, type AnswerRewrite } from './sdp.js';

export interface NegotiationOptions extends AnswerRewrite {
  /** Runs between applying the offer and answering, e.g. to make transceivers send-only. */
  beforeAnswer?: (pc: RTCPeerConnection) => void;
  /** Longest wait for host candidates before answering anyway, ms. */
  gatherTimeoutMs?: number;
}

/**
 * WHIP/WHEP are one offer and one answer, so the answer must already hold our candidates:
 * apply the offer, answer, wait for gathering (host candidates only: fast), then rewrite.
 */
export async function negotiate(
  pc: RTCPeerConnection,
  offer: string,
  options: NegotiationOptions,
): Promise<string> {
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  } catch (error) {
    throw new BadRequestError(`The SDP offer was refused: ${errorMessage(error)}`, 'bad_sdp');
  }
  options.beforeAnswer?.(pc);
  takeDtlsServerRole(pc, offer);
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.iceGatheringState !== 'complete') await gatheringComplete(pc, options.gatherTimeoutMs ?? 3000);
  const local = pc.localDescription;
  if (!local) throw new Error('werift produced no local description');
  return rewriteAnswer(local.sdp, options);
}

/**
 * Answers `a=setup:passive`: the node waits for the browser's ClientHello instead of sending its
 * own. As the DTLS client werift waits a fixed 100 ms after ICE connects before its first flight,
 * so being the server joins faster (measured: test/bench/join-timeline.ts). RFC 5763 lets the
 * answerer pick either side of an `actpass` offer; an offer that insists on being the server
 * (`passive`) keeps werift's default, the client. (A browser's hello can arrive before werift's
 * server starts: see keepEarlyDtlsRecords.)
 */
function takeDtlsServerRole(pc: RTCPeerConnection, offer: string): void {
  if (/^a=setup:passive\s*$/m.test(offer)) return;
  for (const transceiver of pc.getTransceivers()) {
    const dtls = transceiver.dtlsTransport;
    if (dtls && dtls.role === 'auto') {
      dtls.role = 'server';
      keepEarlyDtlsRecords(dtls);
    }
  }
}

/** Resolves when gathering completes or after `timeoutMs`, leaving no listener behind either way. */
export function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const subscription = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      subscription.unSubscribe();
      resolve();
    }
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
