/**
 * A cheaper way to forward RTP to a werift viewer (issue #9, "Cut per-packet cost").
 *
 * `forwardRtp(sender, packet)` stands in for `sender.sendRtp(packet).catch(() => undefined)`. It
 * puts the same bytes on the wire and leaves werift's state as werift would. The difference is
 * that it does so synchronously and with less work per packet (werift-fast-path/send-rtp-now.ts).
 * Packets it does not handle, and every packet while the fast path is not installed, go through
 * werift's own `sendRtp`.
 *
 * No werift method is replaced. The fast path does read and write fields werift marks private,
 * so it is written for one werift version (WRITTEN_FOR) and installs only on that version, and
 * only after a self-test against werift's own SRTP. On any other version it logs once and stays
 * out of the way. `CURBCAST_SEND_FAST_PATH=off` keeps it out as well.
 *
 * The first `forwardRtp` call installs it. `uninstallFastPath()` and `installFastPath()` switch
 * it at run time, which lets the bench compare both paths in one run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RtpHeader,
  SrtpSession,
  type RTCRtpSender,
  type RtpPacket,
} from 'werift';
import { sendRtpNow } from './werift-fast-path/send-rtp-now.js';
import { protectorFor, type SrtpContextKeys } from './werift-fast-path/srtp-protect.js';

/** The werift release whose send path werift-fast-path/ copies. Re-check the copy before changing it. */
export const WRITTEN_FOR = '0.25.2';

type State = 'not-checked' | 'installed' | 'uninstalled';
let state: State = 'not-checked';
let warned = false;

/** Sends `packet` to `sender`'s peer: the fast path when installed, otherwise werift's `sendRtp`. */
export function forwardRtp(sender: RTCRtpSender, packet: RtpPacket): void {
  if (state === 'not-checked') installFastPath();
  if (state === 'installed') {
    try {
      if (sendRtpNow(sender, packet)) return;
    } catch {
      // werift's sendRtp would have rejected, and our caller would have ignored that rejection.
      return;
    }
  }
  sender.sendRtp(packet).catch(ignore);
}

/** Turns the fast path on; false (logged once) if this werift is not the one it was written for. */
export function installFastPath(): boolean {
  const refusal = fastPathRefusal(installedWeriftVersion());
  if (refusal) {
    state = 'uninstalled';
    if (!warned && process.env.CURBCAST_SEND_FAST_PATH !== 'off') {
      warned = true;
      process.emitWarning(`werift fast path not installed: ${refusal}; forwarding with werift's own sendRtp`, { code: 'CURBCAST_FAST_PATH' });
    }
    return false;
  }
  state = 'installed';
  return true;
}

/** Back to werift's own `sendRtp` for every packet (until `installFastPath()`). */
export function uninstallFastPath(): void {
  state = 'uninstalled';
}

export function fastPathInstalled(): boolean {
  return state === 'installed';
}

/** Why the fast path must not run with this werift version, or undefined if it may. */
export function fastPathRefusal(weriftVersion: string | undefined): string | undefined {
  if (process.env.CURBCAST_SEND_FAST_PATH === 'off') return 'CURBCAST_SEND_FAST_PATH=off';
  if (weriftVersion !== WRITTEN_FOR) return `written for werift ${WRITTEN_FOR}, found ${weriftVersion ?? 'an unknown version'}`;
  return selfTestFailure();
}

let selfTest: string | undefined | null = null;

/** Protects two packets with werift's SrtpSession and with ours, per profile: the bytes must agree. */
function selfTestFailure(): string | undefined {
  if (selfTest !== null) return selfTest;
  selfTest = undefined;
  const key = Buffer.alloc(16, 0x2b);
  const salt = Buffer.alloc(14, 0x5a);
  for (const profile of [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80]) {
    const session = new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile });
    const ours = protectorFor(session.localContext as unknown as SrtpContextKeys);
    for (const sequenceNumber of [1, 65535]) {
      const header = () => new RtpHeader({ payloadType: 96, sequenceNumber, timestamp: 3000, ssrc: 0x1234_5678, marker: true, extensions: [{ id: 1, payload: Buffer.from('0') }] });
      const payload = Buffer.alloc(100, sequenceNumber & 0xff);
      const expected = session.encrypt(payload, header());
      if (!ours || !Buffer.concat(ours.protect(header(), payload, 0)).equals(expected)) {
        selfTest = `its SRTP output differs from werift's (profile ${profile})`;
        return selfTest;
      }
    }
  }
  return selfTest;
}

/** werift's package.json version (its `exports` hide the file, so it is found next to the entry). */
function installedWeriftVersion(): string | undefined {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('werift'));
    for (let depth = 0; depth < 6; depth++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'werift') return pkg.version;
      } catch {
        // no package.json here: go up
      }
    }
  } catch {
    // not resolvable: unknown
  }
  return undefined;
}

function ignore(): void {}
