import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from './chromium.js';

/**
 * A real browser publisher without the studio UI: Chromium's fake camera and microphone (or a
 * y4m file) sent over WHIP by a few lines of standard WebRTC. For tests that need real media
 * (recording, bitrate) but are not about the studio page.
 */
export interface BrowserPublisher {
  page: Page;
  location: string;
  /** DELETE the WHIP session (ends the set) and close the peer. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function publishFromChromium(
  base: string,
  token: string,
  options: { videoFile?: string; width?: number; height?: number; simulcast?: boolean } = {},
): Promise<BrowserPublisher> {
  const extra = options.videoFile ? [`--use-file-for-fake-video-capture=${options.videoFile}`] : [];
  const chromium: LaunchedChromium = await launchChromium(extra);
  const page = await chromium.browser.newPage();
  // Any page of the node's origin will do; WHIP needs no page UI.
  await page.goto(`${base}/api/status`);
  const location = await page.evaluate(
    async ({ token, width, height, simulcast }) => {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 30 } },
        audio: true,
      });
      const pc = new RTCPeerConnection();
      // The studio's simulcast layers (renderer/lib/whip-client.ts SIMULCAST_ENCODINGS).
      const layers: RTCRtpEncodingParameters[] = [
        { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
        { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
        { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
      ];
      for (const track of stream.getTracks()) {
        const sendEncodings = simulcast && track.kind === 'video' ? layers : undefined;
        pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], ...(sendEncodings ? { sendEncodings } : {}) });
      }
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const timer = setTimeout(resolve, 2000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const res = await fetch('/whip', {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
        body: pc.localDescription!.sdp,
      });
      if (res.status !== 201) throw new Error(`WHIP ${res.status}: ${await res.text()}`);
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
      (window as unknown as { __pc: RTCPeerConnection }).__pc = pc;
      return res.headers.get('location')!;
    },
    { token, width: options.width ?? 1280, height: options.height ?? 720, simulcast: options.simulcast ?? false },
  );
  return {
    page,
    location,
    async stop() {
      await page.evaluate(
        async ({ location, token }) => {
          await fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
          (window as unknown as { __pc: RTCPeerConnection }).__pc.close();
        },
        { location, token },
      );
    },
    close: () => chromium.close(),
  };
}
