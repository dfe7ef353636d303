import { afterEach, expect, it, vi } from 'vitest';
import { fastPathInstalled, fastPathRefusal, installFastPath, uninstallFastPath, WRITTEN_FOR } from '../../../server/sfu/werift-fast-path.js';

afterEach(() => {
  vi.unstubAllEnvs();
  uninstallFastPath();
});

it('installs on the werift it was written for (the one in package.json), after its self-test', () => {
  expect(WRITTEN_FOR).toBe('0.25.2');
  expect(fastPathRefusal(WRITTEN_FOR)).toBeUndefined();
  expect(installFastPath()).toBe(true);
  expect(fastPathInstalled()).toBe(true);
  uninstallFastPath();
  expect(fastPathInstalled()).toBe(false);
});

it('refuses any other werift version, and an unknown one', () => {
  expect(fastPathRefusal('0.25.3')).toBe('written for werift 0.25.2, found 0.25.3');
  expect(fastPathRefusal('0.26.0')).toMatch(/found 0\.26\.0/);
  expect(fastPathRefusal(undefined)).toMatch(/unknown version/);
});

it('stays out when CURBCAST_SEND_FAST_PATH=off', () => {
  vi.stubEnv('CURBCAST_SEND_FAST_PATH', 'off');
  expect(installFastPath()).toBe(false);
  expect(fastPathInstalled()).toBe(false);
});
