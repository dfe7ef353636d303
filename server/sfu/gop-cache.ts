import { RtpHeader, RtpPacket } from 'werift';
import { isKeyframeStart } from './video-frames.js';

/** A group of pictures longer than this is not kept (a fresh keyframe is then cheaper than a replay). */
export const GOP_CACHE_MAX_AGE_MS = 1000;
/** …nor one of more packets than this (~1 s of a 5 Mbit/s layer): memory stays bounded. */
export const GOP_CACHE_MAX_PACKETS = 600;
/** A viewer is started from the cache when its keyframe is at most this old, ms. */
export const CATCH_UP_MAX_AGE_MS = 700;

/**
 * One video layer's packets since its last keyframe (its current "group of pictures"), so a
 * viewer whose connection comes up mid-group starts decoding at once instead of waiting for the
 * publisher's next keyframe: a keyframe request's round trip plus encoding and pacing a keyframe,
 * 200–500 ms measured here (test/bench/join-timeline.ts). The node asks for a keyframe when a
 * viewer's offer arrives, so by the time its DTLS is up the group is usually a few frames long.
 *
 * Only complete groups are kept (from a keyframe's first packet on), at most
 * GOP_CACHE_MAX_AGE_MS / GOP_CACHE_MAX_PACKETS; past either bound the group is dropped until the
 * next keyframe. Packets are shared and never changed: `catchUp()` hands out re-timed copies.
 */
export class GopCache {
  readonly #mimeType: string;
  #packets: RtpPacket[] = [];
  #startedAt = 0;

  constructor(mimeType: string) {
    this.#mimeType = mimeType;
  }

  /** Every packet of the layer, in arrival order. Says whether it starts a keyframe (callers need not test again). */
  push(packet: RtpPacket, now = Date.now()): boolean {
    if (isKeyframeStart(this.#mimeType, packet.payload)) {
      this.#packets = [packet];
      this.#startedAt = now;
      return true;
    }
    const packets = this.#packets;
    if (packets.length === 0) return false;
    if (packets.length >= GOP_CACHE_MAX_PACKETS || now - this.#startedAt > GOP_CACHE_MAX_AGE_MS) {
      this.#packets = [];
      return false;
    }
    packets.push(packet);
    return false;
  }

  /** How many packets are held (for tests and gauges). */
  get size(): number {
    return this.#packets.length;
  }

  /**
   * The packets a viewer starting now needs to decode at once: the current group from its
   * keyframe on, re-timed by `retimeForCatchUp`; undefined when there is no group younger than
   * `maxAgeMs` (then the viewer waits for a fresh keyframe).
   */
  catchUp(now = Date.now(), maxAgeMs = CATCH_UP_MAX_AGE_MS): RtpPacket[] | undefined {
    if (this.#packets.length === 0 || now - this.#startedAt > maxAgeMs) return undefined;
    return retimeForCatchUp(this.#packets);
  }

  clear(): void {
    this.#packets = [];
  }
}

/**
 * Copies of a group's packets whose frames are squeezed into the newest frame's moment: the newest
 * frame keeps its RTP timestamp (its other packets may still be on the way), each earlier frame
 * gets one tick less than the frame after it. Sent with their original timestamps, a burst of
 * frames that are up to CATCH_UP_MAX_AGE_MS old would anchor the player's clock in the past, and
 * the viewer would stay that far behind; squeezed, the player decodes them back to back, shows
 * the newest, and its clock starts at the present. Sequence numbers are untouched (live packets
 * follow on).
 */
export function retimeForCatchUp(packets: readonly RtpPacket[]): RtpPacket[] {
  const first = packets[0];
  if (!first) return [];
  // Frames are told apart by timestamp and ordered by sequence number (packets may have arrived
  // out of order): each frame's place is its furthest packet from the group's first.
  const reach = new Map<number, number>();
  for (const packet of packets) {
    const distance = (packet.header.sequenceNumber - first.header.sequenceNumber) & 0xffff;
    const timestamp = packet.header.timestamp;
    if ((reach.get(timestamp) ?? -1) < distance) reach.set(timestamp, distance);
  }
  const newestFirst = [...reach].sort((a, b) => b[1] - a[1]).map(([timestamp]) => timestamp);
  const newest = newestFirst[0]!;
  const retimed = new Map(newestFirst.map((timestamp, age) => [timestamp, (newest - age) >>> 0]));
  return packets.map((packet) => {
    const timestamp = retimed.get(packet.header.timestamp)!;
    if (timestamp === packet.header.timestamp) return packet;
    return new RtpPacket(new RtpHeader({ ...packet.header, timestamp }), packet.payload);
  });
}
