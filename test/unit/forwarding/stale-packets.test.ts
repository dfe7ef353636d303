/**
 * Load shedding in a forwarding thread that falls behind: a packet that waited too long is
 * dropped — video after STALE_VIDEO_MS, audio only after STALE_AUDIO_MS — and counted; a video
 * layer that lost packets has its cached group dropped at once and asks for a keyframe with its
 * first fresh packet, once.
 */
import { describe, expect, it } from 'vitest';
import { STALE_AUDIO_MS, STALE_VIDEO_MS, StalePacketFilter } from '../../../server/sfu/forwarding/stale-packets.js';
import type { TrackId } from '../../../server/sfu/forwarding/protocol.js';

function filter() {
  const events: string[] = [];
  const stale = new StalePacketFilter({
    onShed: (track: TrackId) => events.push(`shed ${track}`),
    onRecovered: (track: TrackId) => events.push(`recovered ${track}`),
  });
  return { stale, events };
}

describe('StalePacketFilter', () => {
  it('forwards what is fresh and counts nothing', () => {
    const { stale, events } = filter();
    expect(stale.admit('video:f', 1000, 1000 + STALE_VIDEO_MS)).toBe(true);
    expect(stale.admit('audio', 1000, 1000 + STALE_AUDIO_MS)).toBe(true);
    expect(stale.shed).toEqual({ audio: 0, video: 0 });
    expect(events).toEqual([]);
  });

  it('drops late video but keeps audio until it is badly late', () => {
    const { stale } = filter();
    const late = 1000 + STALE_VIDEO_MS + 1;
    expect(stale.admit('video:f', 1000, late)).toBe(false);
    expect(stale.admit('audio', 1000, late)).toBe(true);
    expect(stale.admit('audio', 1000, 1000 + STALE_AUDIO_MS + 1)).toBe(false);
    expect(stale.shed).toEqual({ audio: 1, video: 1 });
  });

  it('a layer that lost packets asks for a keyframe with its first fresh packet, once; other layers are not affected', () => {
    const { stale, events } = filter();
    const now = 10_000;
    stale.admit('video:f', now - 2000, now);
    stale.admit('video:f', now - 1000, now);
    expect(stale.admit('video:q', now, now)).toBe(true);
    expect(stale.admit('video:f', now, now)).toBe(true);
    expect(stale.admit('video:f', now, now)).toBe(true);
    expect(events).toEqual(['shed video:f', 'shed video:f', 'recovered video:f']);
    expect(stale.shed.video).toBe(2);
  });
});
