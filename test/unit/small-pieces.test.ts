import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateToken, tokensMatch } from '../../server/auth.js';
import { parseServeArgs } from '../../server/cli.js';
import { lanAddresses, viewerUrls } from '../../server/network.js';
import { defaultDataDir } from '../../server/paths.js';
import { rembBitrate } from '../../server/sfu/publisher.js';
import { SilenceWatch } from '../../server/sfu/silence-watch.js';
import { parseHashtagInput, SetInfoSchema } from '../../common/set-info.js';

describe('rembBitrate', () => {
  it('encodes mantissa × 2^exponent within REMB field sizes, close to the asked rate', () => {
    for (const rate of [100_000, 2_500_000, 50_000_000]) {
      const { exponent, mantissa } = rembBitrate(rate);
      expect(mantissa).toBeLessThanOrEqual(0x3ffff);
      expect(exponent).toBeLessThan(64);
      const back = mantissa * 2 ** exponent;
      expect(back).toBeLessThanOrEqual(rate);
      expect(back).toBeGreaterThan(rate * 0.99);
    }
    expect(rembBitrate(0)).toEqual({ exponent: 0, mantissa: 0 });
  });
});

describe('SilenceWatch', () => {
  afterEach(() => vi.useRealTimers());

  it('fires once after a silent timeout, not while activity continues', () => {
    vi.useFakeTimers();
    const onSilent = vi.fn();
    const watch = new SilenceWatch(1000, onSilent);
    for (let i = 0; i < 10; i++) {
      watch.activity();
      vi.advanceTimersByTime(400);
    }
    expect(onSilent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1600);
    expect(onSilent).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onSilent).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() leaves no timer', () => {
    vi.useFakeTimers();
    new SilenceWatch(1000, () => undefined).stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('publish token', () => {
  it('is made once, kept owner-only, and read back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curbcast-token-'));
    const first = await loadOrCreateToken(dir);
    const second = await loadOrCreateToken(dir);
    expect(first.token).toBe(second.token);
    expect(first.token.length).toBeGreaterThanOrEqual(40);
    expect((await readFile(first.path, 'utf8')).trim()).toBe(first.token);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
  });

  it('compares exactly', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('', 'abc')).toBe(false);
  });
});

describe('parseServeArgs', () => {
  it('reads flags and the environment', () => {
    expect(parseServeArgs(['serve', '--port', '9000', '--host', '127.0.0.1', '--data', '/d'], {})).toEqual({
      host: '127.0.0.1',
      port: 9000,
      dataDir: '/d',
      publishToken: undefined,
      iceHosts: undefined,
      record: true,
    });
    const quiet = parseServeArgs(['--no-recording'], {});
    expect(quiet !== 'help' && quiet.record).toBe(false);
    const fromEnv = parseServeArgs([], { CURBCAST_PUBLISH_TOKEN: 'x'.repeat(20) });
    expect(fromEnv !== 'help' && fromEnv.publishToken).toBe('x'.repeat(20));
    expect(parseServeArgs(['--help'], {})).toBe('help');
  });

  it('refuses what would surprise the busker', () => {
    expect(() => parseServeArgs(['--port', 'eighty'], {})).toThrow(/--port/);
    expect(() => parseServeArgs(['--port', '70000'], {})).toThrow(/--port/);
    expect(() => parseServeArgs(['--publish-token', 'short'], {})).toThrow(/16 characters/);
    expect(() => parseServeArgs(['play'], {})).toThrow(/Unknown command/);
    expect(() => parseServeArgs(['--nope'], {})).toThrow();
  });

  it('--ice-ports gives the media ports as one inclusive range (a firewall rule, a tc filter)', () => {
    const parsed = parseServeArgs(['--ice-ports', '40960-41215'], {});
    expect(parsed !== 'help' && parsed.icePorts).toEqual([40960, 41215]);
    const single = parseServeArgs(['--ice-ports=50000-50000'], {});
    expect(single !== 'help' && single.icePorts).toEqual([50000, 50000]);
    const none = parseServeArgs([], {});
    expect(none !== 'help' && none.icePorts).toBeUndefined();
    for (const bad of ['40000', '40000-', '-40000', 'a-b', '40000:40100', '1000-2000', '60000-70000', '40000-40100-40200', '']) {
      expect(() => parseServeArgs([`--ice-ports=${bad}`], {})).toThrow(/--ice-ports must be a range of UDP ports like 40000-40299/);
    }
    expect(() => parseServeArgs(['--ice-ports', '41000-40000'], {})).toThrow(/lower port first \(40000-41000\)/);
  });
});

describe('addresses and folders', () => {
  it('lists LAN addresses, private ranges first, without loopback, link-local or tunnels', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [{ address: '203.0.113.5', family: 'IPv4', internal: false }],
      wlan0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
      ],
      tun0: [{ address: '10.8.0.2', family: 'IPv4', internal: false }],
      eth1: [{ address: '169.254.3.4', family: 'IPv4', internal: false }],
    } as unknown as Parameters<typeof lanAddresses>[0];
    expect(lanAddresses(ifaces)).toEqual(['192.168.1.20', '203.0.113.5']);
  });

  it('viewer URLs: LAN first when bound to all interfaces, the host itself otherwise', () => {
    expect(viewerUrls('0.0.0.0', 8788, ['192.168.1.20'])).toEqual(['http://192.168.1.20:8788/', 'http://localhost:8788/']);
    expect(viewerUrls('127.0.0.1', 8788, ['192.168.1.20'])).toEqual(['http://127.0.0.1:8788/']);
  });

  it('data folder matches Electron userData per platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/b')).toBe('/home/b/.config/Curbcast');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/b')).toBe('/x/Curbcast');
    expect(defaultDataDir({}, 'darwin', '/Users/b')).toBe('/Users/b/Library/Application Support/Curbcast');
    expect(defaultDataDir({ APPDATA: 'C:\\AppData' }, 'win32', 'C:\\b')).toContain('Curbcast');
  });
});

describe('set info', () => {
  it('normalises hashtags and trims text', () => {
    expect(SetInfoSchema.parse({ title: '  Jazz  ', hashtags: ['#Jazz', '##live'] })).toEqual({
      title: 'Jazz',
      hashtags: ['Jazz', 'live'],
      description: '',
    });
    expect(parseHashtagInput('#jazz #live, street  ')).toEqual(['jazz', 'live', 'street']);
    expect(SetInfoSchema.safeParse({ hashtags: ['a b'] }).success).toBe(false);
    expect(SetInfoSchema.safeParse({ hashtags: Array(11).fill('x') }).success).toBe(false);
    expect(SetInfoSchema.safeParse({ title: 1 }).success).toBe(false);
  });
});
