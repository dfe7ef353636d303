import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Cutting one peer's network on loopback with nftables: every UDP datagram from or to a port is
 * dropped, as when a phone's uplink goes away, while the rest of the machine carries on. Needs
 * root and `nft`; tests skip (and say so) where either is missing.
 */
export function whyUdpCannotBeBlocked(): string | undefined {
  if (process.getuid?.() !== 0) return 'cutting a peer’s network needs root (nftables)';
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'nft (Debian package nftables) is not installed or not allowed here';
  }
}

/** Drops UDP from and to `port` until the returned function is called. */
export async function blockUdpPort(port: number): Promise<() => Promise<void>> {
  const table = `curbcast_test_${port}_${process.pid}`;
  await run('nft', ['add', 'table', 'inet', table]);
  await run('nft', ['add', 'chain', 'inet', table, 'input', '{ type filter hook input priority -10 ; }']);
  await run('nft', ['add', 'rule', 'inet', table, 'input', 'udp', 'sport', String(port), 'drop']);
  await run('nft', ['add', 'rule', 'inet', table, 'input', 'udp', 'dport', String(port), 'drop']);
  let removed = false;
  return async () => {
    if (removed) return;
    removed = true;
    await run('nft', ['delete', 'table', 'inet', table]);
  };
}
