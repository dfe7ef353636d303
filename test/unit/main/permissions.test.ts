import { describe, expect, it, vi } from 'vitest';
import { PermissionPolicy, mediaKinds } from '../../../main/permissions.js';

const ORIGIN = 'http://localhost:8788';
const studio = `${ORIGIN}/studio/#token=abc`;

describe('PermissionPolicy', () => {
  it('grants camera, microphone and display capture to the studio origin', async () => {
    const policy = new PermissionPolicy({ origin: () => ORIGIN });
    expect(await policy.decide({ permission: 'media', requestingUrl: studio, mediaTypes: ['video', 'audio'] })).toBe(true);
    expect(await policy.decide({ permission: 'display-capture', requestingUrl: studio })).toBe(true);
    expect(policy.allows({ permission: 'media', requestingUrl: ORIGIN })).toBe(true);
  });

  it('denies every other origin, port or scheme, and sub-frames', async () => {
    const policy = new PermissionPolicy({ origin: () => ORIGIN });
    for (const url of ['http://localhost:8789/studio/', 'https://localhost:8788/', 'http://127.0.0.1:8788/', 'https://evil.example/', 'file:///etc/passwd', 'not a url']) {
      expect(await policy.decide({ permission: 'media', requestingUrl: url }), url).toBe(false);
    }
    expect(await policy.decide({ permission: 'media', requestingUrl: studio, isSubFrame: true })).toBe(false);
  });

  it('denies permissions the studio does not use, even to the studio', async () => {
    const policy = new PermissionPolicy({ origin: () => ORIGIN });
    for (const permission of ['notifications', 'midiSysex', 'usb', 'hid', 'openExternal', 'clipboard-read', 'unknown']) {
      expect(await policy.decide({ permission, requestingUrl: studio }), permission).toBe(false);
    }
  });

  it('denies everything before the node is ready (no origin yet)', async () => {
    const policy = new PermissionPolicy({ origin: () => undefined });
    expect(await policy.decide({ permission: 'media', requestingUrl: studio })).toBe(false);
  });

  it('asks the system (macOS) for each requested kind first, and refuses when the system says no', async () => {
    const askSystem = vi.fn(async (kind: string) => kind === 'camera');
    const policy = new PermissionPolicy({ origin: () => ORIGIN, askSystem });
    expect(await policy.decide({ permission: 'media', requestingUrl: studio, mediaTypes: ['video'] })).toBe(true);
    expect(await policy.decide({ permission: 'media', requestingUrl: studio, mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(askSystem.mock.calls.map(([kind]) => kind)).toEqual(['camera', 'camera', 'microphone']);
    // Never asked for another origin.
    await policy.decide({ permission: 'media', requestingUrl: 'https://evil.example/', mediaTypes: ['video'] });
    expect(askSystem).toHaveBeenCalledTimes(3);
  });

  it('maps media types to system kinds (none given: both)', () => {
    expect(mediaKinds(['audio'])).toEqual(['microphone']);
    expect(mediaKinds(undefined)).toEqual(['camera', 'microphone']);
  });
});
