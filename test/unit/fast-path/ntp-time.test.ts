import { afterEach, expect, it, vi } from 'vitest';
import { ntpTime, serializeAbsSendTime } from 'werift';
import { absSendTimePayload, ntpTimeNow, READING_REUSE_MS, readNtpTime } from '../../../server/sfu/werift-fast-path/ntp-time.js';

afterEach(() => {
  vi.restoreAllMocks();
});

it("reads the same NTP time and abs-send-time as werift's ntpTime() for the same clock reading", () => {
  // A whole-second origin, so that some readings give whole NTP seconds (no decimal point at all).
  vi.spyOn(performance, 'timeOrigin', 'get').mockReturnValue(1_764_000_000_000);
  const now = vi.spyOn(performance, 'now');
  // Clock readings with every kind of decimal expansion, leading zeros included.
  const readings = [0, 0.001, 1.5, 999.9999, 1000, 123_456.789_012, 2_000_000.000_5, 86_400_000];
  for (let i = 0; i < 2000; i++) readings.push(Math.random() * 1e8, Math.round(Math.random() * 1e8) / 1000);
  for (const reading of readings) {
    now.mockReturnValue(reading);
    const ours = readNtpTime()!;
    const theirs = ntpTime();
    expect(ours.ntp, `performance.now() = ${reading}`).toBe(theirs);
    expect(absSendTimePayload(ours.absSendTime).equals(serializeAbsSendTime(theirs)), `abs-send-time at ${reading}`).toBe(true);
  }
});

it('reuses one reading for READING_REUSE_MS, then reads the clock again', () => {
  vi.spyOn(performance, 'timeOrigin', 'get').mockReturnValue(1_764_000_000_000);
  const now = vi.spyOn(performance, 'now');
  const werift = (reading: number) => {
    now.mockReturnValue(reading);
    return ntpTime();
  };
  // A reading far from any cached one (backwards too): read afresh, exactly werift's value.
  for (const start of [5_000_000.123_4, 1_000.5]) {
    const expected = werift(start);
    now.mockReturnValue(start);
    const first = ntpTimeNow()!;
    expect(first.ntp).toBe(expected);
    expect(first.absSendTimePayload.equals(serializeAbsSendTime(expected))).toBe(true);
    // Within the window: the same reading, payload buffer and all.
    now.mockReturnValue(start + READING_REUSE_MS * 0.999);
    expect(ntpTimeNow()).toBe(first);
    // At the end of the window: werift's value for the new reading.
    const later = werift(start + READING_REUSE_MS);
    now.mockReturnValue(start + READING_REUSE_MS);
    expect(ntpTimeNow()!.ntp).toBe(later);
  }
});
