import type { RTCDtlsTransport } from 'werift';

/** At most this many records are kept (a ClientHello and a resend or two). */
const MAX_EARLY_RECORDS = 8;

/** DTLS records start with a content type of 20–63 (RFC 7983: telling DTLS from STUN and SRTP). */
function isDtlsRecord(data: Buffer): boolean {
  const first = data[0];
  return first !== undefined && first >= 20 && first <= 63;
}

/**
 * When the node is the DTLS server it must not lose the browser's first ClientHello. The browser
 * sends it as soon as one ICE check succeeds, but werift (ICE-lite) starts its DTLS server only
 * once the browser nominates the pair, a check or two later (~50 ms, more under load). A hello
 * that comes before is dropped, and the browser resends it only after 50, 100, 200, 400 ms…
 * (measured with test/bench/join-timeline.ts: 80–700 ms lost on most joins). This keeps the DTLS
 * records that arrive before werift's server exists and hands them to it as it starts.
 *
 * Call it before the answer goes out, for a transport that has not started.
 */
export function keepEarlyDtlsRecords(transport: RTCDtlsTransport): void {
  if (transport.state !== 'new') return;
  const early: Buffer[] = [];
  const incoming = transport.iceTransport.connection.onData.subscribe((data) => {
    if (transport.state === 'new' && early.length < MAX_EARLY_RECORDS && isDtlsRecord(data)) early.push(data);
  });
  const states = transport.onStateChange.subscribe((state) => {
    incoming.unSubscribe();
    states.unSubscribe();
    if (state !== 'connecting') return;
    // werift makes its DTLS socket right after announcing 'connecting', in the same tick.
    queueMicrotask(() => {
      const socket = transport.dtls?.transport.socket;
      const from = transport.iceTransport.connection.nominated?.remoteAddr;
      if (!socket || !from) return;
      for (const record of early.splice(0)) socket.onData(record, from);
    });
  });
}
