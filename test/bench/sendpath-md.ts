/**
 * The `sendpath` section's part of BENCHMARKS.md (benchmarks-md.ts calls this). It lives apart
 * from sendpath.ts so that rendering the markdown does not load werift.
 */
import type { SendPathBench, SendPathModeResult } from './sendpath.js';

const fixed = (value: number | null | undefined, digits: number) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—');

export function sendPathMarkdown(r: { sendpath: SendPathBench }): string[] {
  const s = r.sendpath;
  const row = (label: string, m: SendPathModeResult) => `| ${label} | ${fixed(m.usPerPacket, 1)} | ${fixed(m.usPerPacketGross, 1)} | ${m.windows.map((w) => fixed(w, 1)).join(', ')} | ${m.forwarded} | ${fixed(m.delivered * 100, 1)} |`;
  const extensions = Object.entries(s.headerExtensions)
    .map(([kind, uris]) => `${kind}: ${uris.map((u) => u.split(/[:/]/).pop()).join(', ') || 'none'}`)
    .join('; ');
  return [
    [
      '| Send path | µs per forwarded packet | without taking off idle | per window | Packets | Received, % |',
      '| --- | --- | --- | --- | --- | --- |',
      row("werift's sendRtp", s.original),
      row('fast path', s.fast),
    ].join('\n'),
    `**Fast / original: ${fixed(s.ratio, 3)}** (${fixed(s.ratioGross, 3)} without taking off idle). ${s.viewers} werift viewers on 127.0.0.1 × ${s.packetsPerSecondPerViewer} packets/s each (synthetic publisher, 1100-byte video and 120-byte audio), SRTP profile ${s.srtpProfiles.join(', ')} (7 = AEAD_AES_128_GCM), header extensions ${extensions}. The viewers decrypted ${fixed(s.deliveredOverall * 100, 1)}% of the forwarded packets; ${s.receiveBufferDrops ?? '—'} were dropped at their sockets when their process fell behind, ${fixed((s.unaccountedFor ?? Number.NaN) * 100, 2)}% are unaccounted for. ${s.rounds} rounds of four ${s.windowSeconds}-second windows (A B B A, then B A A B); the sender process's CPU time, minus its idle ${fixed(s.idleCpuPercent, 2)}% of a core, over the packets it forwarded. Machine ${fixed(s.machine.busyPercentMean, 0)}% busy on average, load average ${fixed(s.machine.loadAverage1mAtStart, 2)} → ${fixed(s.machine.loadAverage1mAtEnd, 2)}.`,
  ];
}
