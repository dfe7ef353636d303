/**
 * Joining faster (issue #9): the node answers as the DTLS server (`a=setup:passive`), so it does
 * not wait werift's fixed 100 ms before a client's first flight, and it keeps a browser's
 * ClientHello that arrives before werift's DTLS server has started.
 */
import { describe, expect, it } from 'vitest';
import { Event, RTCPeerConnection, useOPUS, useVP8, type RTCDtlsTransport } from 'werift';
import { keepEarlyDtlsRecords } from '../../server/sfu/dtls-early-records.js';
import { negotiate } from '../../server/sfu/negotiate.js';
import { peerConfig } from '../../server/sfu/peer-config.js';

const LOOPBACK = { hostAddresses: ['127.0.0.1'] };
const CODECS = { audio: [useOPUS()], video: [useVP8()] };

/** A WHEP-like offer (receive audio and video) from a werift peer kept on 127.0.0.1. */
async function playOffer(): Promise<{ sdp: string; close: () => Promise<void> }> {
  const pc = new RTCPeerConnection({ ...peerConfig(LOOPBACK, CODECS), iceLite: false });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  return { sdp: pc.localDescription!.sdp, close: () => pc.close() };
}

async function answerTo(offer: string): Promise<string> {
  const pc = new RTCPeerConnection(peerConfig(LOOPBACK, CODECS));
  try {
    return await negotiate(pc, offer, {
      beforeAnswer: (peer) => {
        for (const transceiver of peer.getTransceivers()) transceiver.setDirection('sendonly');
      },
      gatherTimeoutMs: 2000,
    });
  } finally {
    await pc.close();
  }
}

const setupLines = (sdp: string) => sdp.split('\r\n').filter((line) => line.startsWith('a=setup:'));

describe('the DTLS role in the node’s answer', () => {
  it('is passive (the node is the DTLS server) for an actpass offer, as browsers send', async () => {
    const offer = await playOffer();
    expect(setupLines(offer.sdp)).toContain('a=setup:actpass');
    const answer = await answerTo(offer.sdp);
    expect(setupLines(answer).length).toBeGreaterThan(0);
    expect(new Set(setupLines(answer))).toEqual(new Set(['a=setup:passive']));
    await offer.close();
  });

  it('is active when the offer insists on being the server', async () => {
    const offer = await playOffer();
    const answer = await answerTo(offer.sdp.replaceAll('a=setup:actpass', 'a=setup:passive'));
    expect(new Set(setupLines(answer))).toEqual(new Set(['a=setup:active']));
    await offer.close();
  });
});

/** Just the parts of werift's RTCDtlsTransport that keepEarlyDtlsRecords touches. */
function fakeTransport() {
  const fed: Buffer[] = [];
  const transport = {
    state: 'new' as RTCDtlsTransport['state'],
    onStateChange: new Event<[RTCDtlsTransport['state']]>(),
    iceTransport: { connection: { onData: new Event<[Buffer]>(), nominated: { remoteAddr: ['127.0.0.1', 50_000] } } },
    dtls: undefined as undefined | { transport: { socket: { onData: (data: Buffer) => void } } },
  };
  const setState = (state: RTCDtlsTransport['state']) => {
    transport.state = state;
    // Like werift's start(): the DTLS socket exists right after 'connecting' is announced.
    transport.onStateChange.execute(state);
    if (state === 'connecting') transport.dtls = { transport: { socket: { onData: (data) => fed.push(data) } } };
  };
  return { transport, fed, setState, asWerift: transport as unknown as RTCDtlsTransport };
}

describe('keepEarlyDtlsRecords', () => {
  const clientHello = Buffer.from([22, 0xfe, 0xfd, 0, 0]);
  const stun = Buffer.from([0, 1, 0, 0]);

  it('hands DTLS records that came before the DTLS server started to it as it starts, in order', async () => {
    const { transport, fed, setState, asWerift } = fakeTransport();
    keepEarlyDtlsRecords(asWerift);
    const resent = Buffer.from([22, 0xfe, 0xfd, 0, 1]);
    transport.iceTransport.connection.onData.execute(clientHello);
    transport.iceTransport.connection.onData.execute(stun);
    transport.iceTransport.connection.onData.execute(resent);
    setState('connecting');
    await Promise.resolve();
    expect(fed).toEqual([clientHello, resent]);
    // Nothing is kept or listened to afterwards.
    expect(transport.iceTransport.connection.onData.length).toBe(0);
    expect(transport.onStateChange.length).toBe(0);
  });

  it('lets go of everything when the transport closes without starting', async () => {
    const { transport, fed, setState, asWerift } = fakeTransport();
    keepEarlyDtlsRecords(asWerift);
    transport.iceTransport.connection.onData.execute(clientHello);
    setState('closed');
    await Promise.resolve();
    expect(fed).toEqual([]);
    expect(transport.iceTransport.connection.onData.length).toBe(0);
  });
});
