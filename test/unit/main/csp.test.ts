import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, withCsp } from '../../../main/csp.js';

const directives = (policy: string) => new Map(policy.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

describe('the desktop app CSP', () => {
  it('shuts everything by default and allows only what the studio uses, from its own origin', () => {
    const policy = directives(contentSecurityPolicy('http://localhost:8788'));
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://localhost:8788']);
    expect(policy.get('media-src')).toEqual(["'self'", 'blob:', 'mediastream:']);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(policy.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
  });

  it('never allows inline or evaluated scripts, or sockets to any host', () => {
    const policy = contentSecurityPolicy('http://localhost:40123');
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(policy).not.toMatch(/connect-src[^;]*\b(ws:|wss:)(\s|;|$)/);
  });

  it('uses wss: for an https origin', () => {
    expect(directives(contentSecurityPolicy('https://studio.example:8443')).get('connect-src')).toEqual(["'self'", 'wss://studio.example:8443']);
  });

  it("replaces the node's CSP header (any case) and keeps the other headers", () => {
    const headers = withCsp({ 'content-security-policy': ["default-src 'self'"], 'Content-Type': ['text/html'] }, 'http://localhost:8788');
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'content-security-policy')).toEqual(['Content-Security-Policy']);
    expect(headers['Content-Security-Policy']).toEqual([contentSecurityPolicy('http://localhost:8788')]);
    expect(headers['Content-Type']).toEqual(['text/html']);
  });
});
