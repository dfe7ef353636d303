import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../server/cli.js';
import { ServiceUnavailableError, TooManyRequestsError } from '../../server/errors.js';
import { LAPTOP_FULL_MESSAGE, ViewerAdmission } from '../../server/http/viewer-admission.js';

describe('ViewerAdmission', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('caps sessions at once per address (503 "full"), and a freed slot can be used again', () => {
    const time = clock();
    const admission = new ViewerAdmission({ perIp: 2, burstPerIp: 100, refillMs: 10 }, time.now);
    const a = admission.admit('10.0.0.1');
    admission.admit('10.0.0.1');
    expect(() => admission.admit('10.0.0.1')).toThrow(ServiceUnavailableError);
    try {
      admission.admit('10.0.0.1');
    } catch (error) {
      expect((error as ServiceUnavailableError).status).toBe(503);
      expect((error as ServiceUnavailableError).code).toBe('full');
      expect((error as Error).message).toBe(LAPTOP_FULL_MESSAGE);
    }
    // Another address is not affected.
    admission.admit('10.0.0.2');
    a();
    a(); // a second release is ignored: the count never goes below what is open
    expect(admission.sessionsOf('10.0.0.1')).toBe(1);
    admission.admit('10.0.0.1');
    expect(admission.sessionsOf('10.0.0.1')).toBe(2);
  });

  it('limits the rate of attempts per address with a token bucket (429 with a wait), refilling over time', () => {
    const time = clock();
    const admission = new ViewerAdmission({ perIp: 100, burstPerIp: 10, refillMs: 1000 }, time.now);
    for (let i = 0; i < 10; i++) admission.admit('192.168.1.5')();
    let refusal: TooManyRequestsError | undefined;
    try {
      admission.admit('192.168.1.5');
    } catch (error) {
      refusal = error as TooManyRequestsError;
    }
    expect(refusal).toBeInstanceOf(TooManyRequestsError);
    expect(refusal!.status).toBe(429);
    expect(refusal!.retryAfterSeconds).toBeGreaterThan(0);
    expect(refusal!.retryAfterSeconds).toBeLessThanOrEqual(1);
    time.advance(1000);
    admission.admit('192.168.1.5')();
    expect(() => admission.admit('192.168.1.5')).toThrow(TooManyRequestsError);
    // 10 per 10 s: after ten seconds the whole burst is back.
    time.advance(10_000);
    for (let i = 0; i < 10; i++) admission.admit('192.168.1.5')();
  });

  it('forgets an address once its sessions ended and its bucket is full again; never holds more than maxTrackedIps', () => {
    const time = clock();
    const admission = new ViewerAdmission({ perIp: 4, burstPerIp: 2, refillMs: 100, maxTrackedIps: 50 }, time.now);
    const release = admission.admit('10.1.1.1');
    expect(admission.trackedIps).toBe(1);
    time.advance(1000);
    release();
    expect(admission.trackedIps).toBe(0);

    // A crowd of addresses, each trying once: the map stays bounded…
    const open: Array<() => void> = [];
    for (let i = 0; i < 500; i++) {
      const r = admission.admit(`10.2.${i >> 8}.${i & 255}`);
      if (i < 10) open.push(r);
      else r();
      expect(admission.trackedIps).toBeLessThanOrEqual(50);
    }
    // …but never forgets an address with a session open (its slot would leak).
    for (let i = 0; i < 10; i++) expect(admission.sessionsOf(`10.2.0.${i}`)).toBe(1);
    for (const r of open) r();
    time.advance(60_000);
    admission.admit('10.9.9.9')(); // the next attempt sweeps idle entries
    time.advance(60_000);
    admission.admit('10.9.9.8')();
    expect(admission.trackedIps).toBeLessThanOrEqual(2);
  });
});

describe('serve options for viewer limits', () => {
  it('--max-viewers, --max-viewers-per-ip and --viewer-joins-per-ip', () => {
    const parsed = parseServeArgs(['--max-viewers', '40', '--max-viewers-per-ip', '8', '--viewer-joins-per-ip', '30'], {});
    expect(parsed !== 'help' && [parsed.maxViewers, parsed.maxViewersPerIp, parsed.viewerJoinsPerIp]).toEqual([40, 8, 30]);
    const defaults = parseServeArgs([], {});
    expect(defaults !== 'help' && [defaults.maxViewers, defaults.maxViewersPerIp, defaults.viewerJoinsPerIp]).toEqual([undefined, undefined, undefined]);
    // Given twice (a script's default, then the caller's): the last one counts.
    const twice = parseServeArgs(['--max-viewers-per-ip', '1000', '--max-viewers-per-ip', '200'], {});
    expect(twice !== 'help' && twice.maxViewersPerIp).toBe(200);
    for (const bad of ['0', '-1', '2.5', 'many', '100000']) {
      expect(() => parseServeArgs(['--viewer-joins-per-ip', bad], {})).toThrow(/--viewer-joins-per-ip/);
      expect(() => parseServeArgs(['--max-viewers', bad], {})).toThrow(/--max-viewers/);
      expect(() => parseServeArgs(['--max-viewers-per-ip', bad], {})).toThrow(/--max-viewers-per-ip/);
    }
  });
});
