import { networkInterfaces } from 'node:os';

/**
 * IPv4 addresses a phone on the same network could reach, best first: private LAN ranges before
 * anything else; loopback, link-local and VPN-style tunnels left out.
 */
export function lanAddresses(interfaces = networkInterfaces()): string[] {
  const found: string[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    if (/^(lo|tun|tap|utun|docker|veth|br-|virbr)/.test(name)) continue;
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal || entry.address.startsWith('169.254.')) continue;
      found.push(entry.address);
    }
  }
  const isPrivate = (ip: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
  return found.sort((a, b) => Number(isPrivate(b)) - Number(isPrivate(a)));
}

/** Addresses viewers can open, best first, for a node bound to `host`. */
export function viewerUrls(host: string, port: number, lan = lanAddresses()): string[] {
  const hosts = host === '0.0.0.0' || host === '::' ? [...lan, 'localhost'] : [host];
  return hosts.map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${port}/`);
}
