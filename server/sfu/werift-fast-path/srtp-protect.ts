/**
 * SRTP protection of one RTP packet, byte for byte what werift 0.25.2's `SrtpSession.encrypt()`
 * produces, for the two profiles werift offers: AEAD_AES_128_GCM (werift's first choice, and
 * what two werift peers negotiate) and AES128_CM_HMAC_SHA1_80 (for a peer without GCM).
 *
 * The result is the packet's three parts (header, encrypted payload, tag), not one buffer: the
 * socket sends them as one datagram (scatter/gather), so they are never copied into a packet
 * buffer. werift builds the IV with a generic buffer writer and concatenates the three parts
 * into a fresh buffer for every packet. Allocating and copying that buffer cost about as much as
 * the encryption itself.
 *
 * A new Node cipher is still created for every packet. Node cannot reset an AES-GCM cipher to a
 * new IV, and one-shot AEAD is only in WebCrypto, which is async and goes through the thread
 * pool. What is reused per session is the session key as a `KeyObject` and the IV scratch.
 */
import { createCipheriv, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, type RtpHeader } from 'werift';
import { rtpHeaderSize, writeRtpHeader } from './rtp-header-writer.js';

/** The parts of werift's SRTP context (one direction of an `SrtpSession`) that we read. */
export interface SrtpContextKeys {
  profile: number;
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag: Buffer;
}

/** One SRTP packet as the parts that make it up, in order; werift's bytes once concatenated. */
export type SrtpPacketParts = [header: Buffer, encryptedPayload: Buffer, tag: Buffer];

export interface SrtpProtector {
  /** Serialises `header` and protects `payload` under rollover counter `roc`. */
  protect(header: RtpHeader, payload: Buffer, roc: number): SrtpPacketParts;
}

const HMAC_TAG_LENGTH = 10;

/** One protector per SRTP context: keys are imported once, not per packet. */
const protectors = new WeakMap<SrtpContextKeys, SrtpProtector>();

/** The protector for `context`, or undefined for a profile werift 0.25.2 does not have. */
export function protectorFor(context: SrtpContextKeys): SrtpProtector | undefined {
  let protector = protectors.get(context);
  if (!protector) {
    protector = createProtector(context);
    if (protector) protectors.set(context, protector);
  }
  return protector;
}

function createProtector(context: SrtpContextKeys): SrtpProtector | undefined {
  if (context.profile === ProtectionProfileAeadAes128Gcm) return new GcmProtector(context);
  if (context.profile === ProtectionProfileAes128CmHmacSha1_80) return new CounterModeProtector(context);
  return undefined;
}

/** RFC 7714: AES-128-GCM, the RTP header as additional data, a 16-byte tag at the end. */
class GcmProtector implements SrtpProtector {
  readonly #key: KeyObject;
  readonly #salt: Buffer;
  readonly #iv = Buffer.alloc(12);

  constructor(context: SrtpContextKeys) {
    this.#key = createSecretKey(context.srtpSessionKey);
    this.#salt = Buffer.from(context.srtpSessionSalt);
  }

  protect(header: RtpHeader, payload: Buffer, roc: number): SrtpPacketParts {
    const serialized = Buffer.allocUnsafe(rtpHeaderSize(header));
    writeRtpHeader(serialized, header);
    // RFC 7714 §8.1: 00 00 | SSRC | ROC | SEQ, XOR the session salt (its first 12 bytes).
    const iv = this.#iv;
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(header.ssrc, 2);
    iv.writeUInt32BE(roc, 6);
    iv.writeUInt16BE(header.sequenceNumber, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= this.#salt[i]!;

    const cipher = createCipheriv('aes-128-gcm', this.#key, iv);
    cipher.setAAD(serialized);
    const encrypted = cipher.update(payload);
    cipher.final();
    return [serialized, encrypted, cipher.getAuthTag()];
  }
}

/** RFC 3711: AES-128 counter mode, then HMAC-SHA1 over header, ciphertext and ROC, cut to 10 bytes. */
class CounterModeProtector implements SrtpProtector {
  readonly #key: KeyObject;
  readonly #salt: Buffer;
  readonly #authKey: KeyObject;
  readonly #counter = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(context: SrtpContextKeys) {
    this.#key = createSecretKey(context.srtpSessionKey);
    this.#salt = Buffer.from(context.srtpSessionSalt);
    this.#authKey = createSecretKey(context.srtpSessionAuthTag);
  }

  protect(header: RtpHeader, payload: Buffer, roc: number): SrtpPacketParts {
    const serialized = Buffer.allocUnsafe(rtpHeaderSize(header));
    writeRtpHeader(serialized, header);
    // RFC 3711 §4.1.1: 0000 | SSRC | ROC | SEQ 0000, XOR the 14-byte session salt.
    const counter = this.#counter;
    counter.writeUInt32BE(0, 0);
    counter.writeUInt32BE(header.ssrc, 4);
    counter.writeUInt32BE(roc, 8);
    counter.writeUInt16BE(header.sequenceNumber, 12);
    counter.writeUInt16BE(0, 14);
    for (let i = 0; i < this.#salt.length; i++) counter[i]! ^= this.#salt[i]!;

    const encrypted = createCipheriv('aes-128-ctr', this.#key, counter).update(payload);
    this.#roc.writeUInt32BE(roc, 0);
    const tag = createHmac('sha1', this.#authKey).update(serialized).update(encrypted).update(this.#roc).digest();
    return [serialized, encrypted, tag.subarray(0, HMAC_TAG_LENGTH)];
  }
}
