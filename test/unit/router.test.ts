import { describe, expect, it } from 'vitest';
import { Router } from '../../server/http/router.js';
import { resolveInside } from '../../server/http/static-files.js';

describe('Router', () => {
  const noop = () => undefined;
  const router = new Router([
    { method: 'POST', path: '/whip', handle: noop },
    { method: 'DELETE', path: '/whip/:id', handle: noop },
  ]);

  it('matches literal paths and extracts params', () => {
    expect(router.match('POST', '/whip')).toMatchObject({ kind: 'found' });
    expect(router.match('DELETE', '/whip/abc%20d')).toMatchObject({ kind: 'found', params: { id: 'abc d' } });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('GET', '/whip')).toEqual({ kind: 'wrong-method', allow: ['POST'] });
    expect(router.match('POST', '/whip/a/b')).toEqual({ kind: 'none' });
    expect(router.match('POST', '/whipx')).toEqual({ kind: 'none' });
  });

  it('does not treat regex characters in paths as patterns', () => {
    const dotted = new Router([{ method: 'GET', path: '/qr.svg', handle: noop }]);
    expect(dotted.match('GET', '/qr.svg').kind).toBe('found');
    expect(dotted.match('GET', '/qrxsvg').kind).toBe('none');
  });
});

describe('resolveInside', () => {
  it('keeps paths inside the root and refuses escapes', () => {
    expect(resolveInside('/srv/pages', '/viewer/index.html')).toBe('/srv/pages/viewer/index.html');
    // Either refused, or clamped inside the root the way a URL's leading '..' is.
    for (const escape of ['/../x', '/%2e%2e/x', '/a/../../x', '/..%2fx', '/a/%2e%2e/%2e%2e/x', '%', '/a\0b']) {
      const resolved = resolveInside('/srv/pages', escape);
      expect(resolved === undefined || resolved.startsWith('/srv/pages/'), `${escape} → ${resolved}`).toBe(true);
    }
    expect(resolveInside('/srv/pages', '../x')).toBeUndefined();
    expect(resolveInside('/srv/pages', 'a/%2e%2e/%2e%2e/x')).toBeUndefined();
    expect(resolveInside('/srv/pages', '/a\0b')).toBeUndefined();
    expect(resolveInside('/srv/pages', '/')).toBeUndefined();
  });
});
