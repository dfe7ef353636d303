import type { RelayState } from '../../common/relay.js';

/**
 * The relay's state line in words: "Live on live.example.org", "Retrying in 4 s — …". `now` is
 * the page's clock; a retry's second count is rounded up, so it never shows "0 s" before it tries.
 */
export function relayStateText(state: RelayState, now: number): string {
  switch (state.kind) {
    case 'off':
      return 'Off';
    case 'waiting':
      return 'Waiting for you to go live';
    case 'connecting':
      return `Connecting to ${state.target}…`;
    case 'live':
      return `Live on ${state.target}`;
    case 'retrying': {
      const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      return seconds > 0 ? `Retrying in ${seconds} s — ${state.reason}` : `Retrying now — ${state.reason}`;
    }
    case 'failed':
      return `Failed — ${state.reason}`;
  }
}
