import type { Page } from 'playwright-core';

/**
 * Lets a test see the RTCPeerConnections a page makes (to read a peer's own UDP port, say) without
 * a hook in the product: an init script keeps every one in `window.__peers`.
 */
export async function keepPagePeers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const peers: RTCPeerConnection[] = [];
    (window as unknown as { __peers: RTCPeerConnection[] }).__peers = peers;
    window.RTCPeerConnection = class extends Original {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        peers.push(this);
      }
    };
  });
}

/** The local UDP port of the page's newest connected peer (its selected candidate pair). */
export async function connectedPeerPort(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __peers: RTCPeerConnection[] }).__peers.findLast((p) => p.connectionState === 'connected');
    if (!pc) throw new Error('no connected peer in the page');
    const stats = await pc.getStats();
    for (const report of stats.values()) {
      if (report.type === 'transport' && report.selectedCandidatePairId) {
        return stats.get(stats.get(report.selectedCandidatePairId).localCandidateId).port as number;
      }
    }
    throw new Error('no selected candidate pair');
  });
}
