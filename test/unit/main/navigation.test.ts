import { describe, expect, it } from 'vitest';
import { navigationDecision, windowOpenDecision } from '../../../main/navigation.js';

const ORIGIN = 'http://localhost:8788';

describe('the navigation guard', () => {
  it('lets the window move within the node origin only', () => {
    expect(navigationDecision(`${ORIGIN}/studio/`, ORIGIN)).toBe('allow');
    expect(navigationDecision(`${ORIGIN}/`, ORIGIN)).toBe('allow');
    expect(navigationDecision('http://localhost:8789/studio/', ORIGIN)).not.toBe('allow');
    expect(navigationDecision('http://127.0.0.1:8788/', ORIGIN)).not.toBe('allow');
  });

  it('sends web links to the system browser and refuses other schemes', () => {
    expect(navigationDecision('https://www.openstreetmap.org/#map=17/53.34/-6.26', ORIGIN)).toBe('open-externally');
    expect(navigationDecision('http://example.com/', ORIGIN)).toBe('open-externally');
    for (const url of ['file:///home/me/.ssh/id_rsa', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'chrome://settings', 'smb://host/share', '']) {
      expect(navigationDecision(url, ORIGIN), url).toBe('deny');
    }
  });

  it('refuses everything but web links before the origin is known', () => {
    expect(navigationDecision(`${ORIGIN}/studio/`, undefined)).toBe('open-externally');
    expect(navigationDecision('file:///x', undefined)).toBe('deny');
  });

  it('never opens an app window: same-origin popups are denied, web links go outside', () => {
    expect(windowOpenDecision(`${ORIGIN}/studio/`, ORIGIN)).toBe('deny');
    expect(windowOpenDecision('https://example.com/', ORIGIN)).toBe('open-externally');
    expect(windowOpenDecision('file:///x', ORIGIN)).toBe('deny');
  });
});
