import type { RTCPeerConnection } from 'werift';
import { BadRequestError } from '../errors.js';
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
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.iceGatheringState !== 'complete') await gatheringComplete(pc, options.gatherTimeoutMs ?? 3000);
  const local = pc.localDescription;
  if (!local) throw new Error('werift produced no local description');
  return rewriteAnswer(local.sdp, options);
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
