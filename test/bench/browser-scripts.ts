/**
 * Code that runs inside Chromium pages, kept as plain JavaScript strings (the project's tsconfig
 * has no DOM types, and these run in the page, not in Node).
 */

/**
 * Init script: remembers every RTCPeerConnection a page creates, so the bench can read the
 * publisher's own getStats (resolution, fps, bitrate, quality limitation) from the real studio.
 * A subclass keeps `instanceof` and every behaviour of the page unchanged.
 */
export const PEER_CONNECTION_HOOK = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__benchPcs) return;
  const pcs = [];
  Object.defineProperty(window, '__benchPcs', { value: pcs });
  class Tracked extends Native {
    constructor(...args) {
      super(...args);
      pcs.push(this);
      // When ICE + DTLS came up, for the TTFF breakdown.
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected' && this.__benchConnectedAt === undefined) this.__benchConnectedAt = performance.now();
      });
    }
  }
  window.RTCPeerConnection = Tracked;
})();`;

/**
 * Evaluates to the outbound-rtp stats of the page's live peer connections (see PublisherStats).
 * With simulcast a video sender has one outbound-rtp per layer: all of them are listed in
 * `videoStreams` (with their rid), and `video` is the top one (largest frame, then most bytes) —
 * the only one without simulcast.
 */
export const READ_PUBLISHER_STATS = `(async () => {
  const out = { at: performance.now(), video: null, videoStreams: [], audio: null, availableOutgoingBitrate: null, pcs: 0 };
  const pick = (s) => ({
    bytesSent: s.bytesSent ?? 0, packetsSent: s.packetsSent ?? 0, headerBytesSent: s.headerBytesSent ?? 0,
    retransmittedBytesSent: s.retransmittedBytesSent ?? 0,
    frameWidth: s.frameWidth, frameHeight: s.frameHeight, framesPerSecond: s.framesPerSecond,
    framesEncoded: s.framesEncoded, keyFramesEncoded: s.keyFramesEncoded, totalEncodeTime: s.totalEncodeTime,
    qualityLimitationReason: s.qualityLimitationReason, qualityLimitationDurations: s.qualityLimitationDurations,
    encoderImplementation: s.encoderImplementation, targetBitrate: s.targetBitrate,
    nackCount: s.nackCount, pliCount: s.pliCount, firCount: s.firCount,
    rid: s.rid, active: s.active, codecId: s.codecId, timestamp: s.timestamp,
  });
  for (const pc of window.__benchPcs || []) {
    if (pc.connectionState === 'closed') continue;
    out.pcs++;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.videoStreams.push(pick(s));
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.audio = pick(s);
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && s.availableOutgoingBitrate) {
        out.availableOutgoingBitrate = s.availableOutgoingBitrate;
      }
      if (s.type === 'codec' && s.mimeType && s.mimeType.startsWith('video/')) out.videoCodec = s.mimeType;
    });
  }
  const area = (s) => (s.frameWidth ?? 0) * (s.frameHeight ?? 0);
  for (const s of out.videoStreams) {
    if (!out.video || area(s) > area(out.video) || (area(s) === area(out.video) && s.bytesSent > out.video.bytesSent)) out.video = s;
  }
  return out;
})()`;

/** Opt-in (BENCH_CONTENT_HINT): sets contentHint on the publisher's video track(s), e.g. 'detail'. */
export function setVideoContentHint(hint: string): string {
  return `(() => {
  let n = 0;
  for (const pc of window.__benchPcs || []) for (const s of pc.getSenders()) if (s.track && s.track.kind === 'video') { s.track.contentHint = ${JSON.stringify(hint)}; n++; }
  return n;
})()`;
}

/**
 * Evaluates (with TIMEOUT_MS and POLL_MS substituted) to the first-frame measurement of a viewer
 * page: waits for window.__curbcast, then for `firstFrameAt` (if the page provides it) or the first
 * `framesDecoded() > 0` polled every POLL_MS; then reads the resource timing of the POST /whep.
 */
export function measureFirstFrame(timeoutMs: number, pollMs: number): string {
  return `(async () => {
  const deadline = performance.now() + ${timeoutMs};
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  while (!window.__curbcast) {
    if (performance.now() > deadline) return { error: 'the page never exposed window.__curbcast' };
    await sleep(${pollMs});
  }
  const api = window.__curbcast;
  let firstFrameAt, source;
  for (;;) {
    if (typeof api.firstFrameAt === 'number') { firstFrameAt = api.firstFrameAt; source = 'firstFrameAt'; break; }
    const n = await api.framesDecoded();
    if (n > 0) {
      firstFrameAt = performance.now();
      source = 'framesDecoded';
      // A page may set firstFrameAt a moment after framesDecoded turns positive; prefer it.
      await sleep(0);
      if (typeof api.firstFrameAt === 'number') { firstFrameAt = api.firstFrameAt; source = 'firstFrameAt'; }
      break;
    }
    if (performance.now() > deadline) return { error: 'no decoded frame within ${timeoutMs} ms' };
    await sleep(${pollMs});
  }
  const posts = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/whep' && e.startTime <= firstFrameAt);
  const post = posts[posts.length - 1];
  if (!post) return { error: 'no resource timing entry for POST /whep', firstFrameAt, source };
  const connected = (window.__benchPcs || []).map((pc) => pc.__benchConnectedAt).filter((t) => typeof t === 'number' && t >= post.startTime);
  return {
    firstFrameAt, source, whepPosts: posts.length,
    postStart: post.startTime, answerMs: post.responseEnd - post.startTime, ttffMs: firstFrameAt - post.startTime,
    connectedMs: connected.length ? Math.min(...connected) - post.startTime : undefined,
  };
})()`;
}
