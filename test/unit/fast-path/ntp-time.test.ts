import { afterEach, expect, it, vi } from 'vitest';
import { ntpTime, serializeAbsSendTime } from 'werift';
import { absSendTimePayload, readNtpTime } from '../../../server/sfu/werift-fast-path/ntp-time.js';

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
