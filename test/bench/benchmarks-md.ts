/**
 * BENCHMARKS.md (repo root) from the bench's results JSON: the machine, the date, the commit, one
 * table per section, and issue #9's targets with met / not met and by how much.
 *
 *   node --import tsx test/bench/benchmarks-md.ts                          # every bench/results/*.json
 *   node --import tsx test/bench/benchmarks-md.ts bench/results/<file>.json [more.json …] [--out FILE]
 *
 * Each section comes from the newest (by its `date`) of the given files that has it, so that a run
 * of some sections (`npm run bench -- --only ttff`) updates those tables and keeps the others; every
 * table names the file, date and commit it comes from. `npm run bench` runs this at its end.
 * soak-*.json files are not bench results and are skipped.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendPathMarkdown } from './sendpath-md.js';

const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/** Issue #9's targets. */
export const TARGETS = {
  glassToGlassP95Ms: 200,
  glassToGlassViewers: 25,
  ttffP50Ms: 500,
  ttffExistingViewers: 25,
  viewerJsGzipBytes: 150 * 1024,
  /** Curbcast's CPU per viewer / Janus's (janus.ts), at most. */
  cpuPerViewerRatioToJanus: 1,
  /** Viewers per core of the node's CPU at ~2 Mbit/s with < 0.5% loss (capacity.ts: 100 / CPU per viewer), at least. */
  viewersPerCore: 150,
};

/* eslint-disable @typescript-eslint/no-explicit-any -- results files of several bench versions, read defensively */
type Json = any;

interface Source {
  /** Path relative to the repo root. */
  path: string;
  data: Json;
  time: number;
}

const SECTIONS: Array<{ key: string; title: string; has: (r: Json) => boolean }> = [
  { key: 'targets', title: '', has: () => false },
  { key: 'sweep', title: 'Viewer sweep (node CPU and memory)', has: (r) => Array.isArray(r.sweep) && r.sweep.length > 0 },
  { key: 'ttff', title: 'Time to first frame', has: (r) => (r.ttffMs?.n ?? 0) > 0 || (r.ttffWithViewers?.ttffMs?.n ?? 0) > 0 },
  { key: 'latency', title: 'Glass-to-glass latency', has: (r) => (r.latency?.points?.length ?? 0) > 0 },
  { key: 'size', title: 'Viewer page size', has: (r) => typeof r.size?.jsGzipBytes === 'number' },
  { key: 'recording', title: 'Recording', has: (r) => Boolean(r.recordingOverhead) },
  { key: 'clips', title: 'Clips and shorts', has: (r) => Boolean(r.clips?.copyCut || r.vertical) },
  { key: 'chat', title: 'Chat fan-out', has: (r) => (r.chat?.points?.length ?? 0) > 0 },
  { key: 'simulcast', title: 'Simulcast', has: (r) => Boolean(r.simulcast) },
  // A skipped run (no root for apt-get) says nothing: an older measured one stays.
  { key: 'janus', title: 'Curbcast and Janus side by side (CPU per viewer)', has: (r) => Boolean(r.janus) && !('skipped' in r.janus) },
  { key: 'capacity', title: 'Capacity (viewers until loss or the CPU limit)', has: (r) => Boolean(r.capacity) },
  { key: 'sendpath', title: "Forwarding cost per packet: werift's sendRtp and the fast path", has: (r) => Boolean(r.sendpath) && !('error' in r.sendpath) },
  { key: 'scaling', title: 'Scaling over forwarding threads (how the work splits, and the capacity it projects)', has: (r) => Boolean(r.scaling) },
];

const n = (v: unknown, digits = 0): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits).replace(/\.0+$/, '') : '—');
const ms = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${n(v)} ms` : '—');
const kb = (bytes: unknown) => (typeof bytes === 'number' ? `${(bytes / 1024).toFixed(1)} KB` : '—');
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function loadSources(files: string[]): Source[] {
  const out: Source[] = [];
  for (const file of files) {
    if (basename(file).startsWith('soak-')) continue;
    let data: Json;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      process.stderr.write(`benchmarks-md: skipping ${file}: ${(error as Error).message}\n`);
      continue;
    }
    if (!data || typeof data !== 'object' || data.kind === 'soak' || !data.machine) continue;
    const time = Date.parse(data.date);
    out.push({ path: relative(ROOT, resolve(file)), data, time: Number.isFinite(time) ? time : 0 });
  }
  return out;
}

/** Each section's source: the newest file that has it (files with an `error` are skipped). */
function pick(sources: Source[]): Map<string, Source> {
  const byNewest = [...sources].sort((a, b) => b.time - a.time || b.path.localeCompare(a.path));
  const chosen = new Map<string, Source>();
  for (const section of SECTIONS) {
    const source = byNewest.find((s) => !s.data.error && section.has(s.data));
    if (source) chosen.set(section.key, source);
  }
  return chosen;
}

const fromLine = (s: Source) => `_From \`${s.path}\` (${String(s.data.date).slice(0, 16).replace('T', ' ')} UTC, commit ${s.data.git?.commit ?? '?'}${s.data.git?.uncommittedFiles ? ` + ${s.data.git.uncommittedFiles} uncommitted files` : ''}, load average ${n(s.data.machine?.loadAverage1mAtStart, 2)} at start)._`;

function sweepSection(r: Json): string[] {
  const rows = (r.sweep as Json[]).map((p) => [
    String(p.viewers),
    n(p.cpuPercent, 1),
    n(p.rssMB),
    n(p.perViewerKbps),
    n(p.lossPercent, 2),
    n(p.machineBusyPercent),
  ]);
  const out = [table(['Viewers', 'Node CPU, % of a core', 'RSS, MB', 'Per viewer, kbit/s', 'Loss, %', 'Machine busy, %'], rows)];
  const pub = r.publisher;
  if (pub) out.push(`Publisher (studio page, noisy 720p y4m camera): ${n(pub.bitrateKbps)} kbit/s, ${pub.width ?? '?'}×${pub.height ?? '?'} at ${n(pub.encodedFps, 1)} fps (${pub.codec ?? '?'}, ${pub.encoder ?? '?'}).`);
  if (r.cpuPerViewerPercent !== null && r.cpuPerViewerPercent !== undefined) {
    out.push('**CPU per viewer** ((CPU(N) − CPU(0)) / N):');
    out.push(
      table(
        ['Viewers', 'CPU per viewer, % of a core'],
        (r.cpuPerViewerByStep ?? []).map((s: Json) => [String(s.viewers), n(s.percent, 2)]),
      ),
    );
    out.push(
      `At the largest step: ${n(r.cpuPerViewerPercent, 2)}% of a core per viewer ≈ ${n(r.viewersPerCoreEstimate)} viewers per core (linear estimate), ${n(r.cpuMicrosecondsPerForwardedPacket, 1)} µs of CPU per forwarded packet.`,
    );
  }
  return out;
}

function ttffRow(label: string, t: Json): string[] {
  const d = t?.ttffMs;
  return [label, n(d?.n), ms(d?.p50), ms(d?.p95), ms(d?.min), ms(d?.max), ms(t?.whepAnswerMs?.p50), ms(t?.connectedMs?.p50), n(t?.machineBusyPercent)];
}

function ttffSection(r: Json): string[] {
  const rows: string[][] = [];
  if (r.ttffMs) rows.push(ttffRow('0', { ...(r.ttff ?? {}), ttffMs: r.ttffMs }));
  const w = r.ttffWithViewers;
  if (w) rows.push(ttffRow(`${w.existingViewers}${w.existingViewers !== w.requestedViewers ? ` (of ${w.requestedViewers} asked)` : ''}`, w));
  return [
    table(['Existing viewers', 'Joins', 'p50', 'p95', 'min', 'max', 'WHEP answer p50', 'connected p50', 'Machine busy, %'], rows),
    `TTFF: the real viewer page in Chromium, from the start of its POST /whep to its first decoded frame; each join in a fresh page, one at a time, while the studio publishes a noisy 720p camera. Existing viewers are werift viewers (the viewer farm: receive, no decoding${w?.farmNice !== null && w?.farmNice !== undefined ? `; joined first, then at nice ${w.farmNice} as background load` : ''}).`,
  ];
}

function latencySection(r: Json): string[] {
  const g = r.latency;
  const rows = (g.points as Json[]).map((p) => [
    `${p.viewers} (1 + ${p.farmViewers} farm)`,
    n(p.samples),
    ms(p.latencyMs?.p50),
    ms(p.latencyMs?.p95),
    ms(p.latencyMs?.max),
    ms(p.receiveLatencyMs?.p50),
    p.viewerInbound?.jitterBufferMs !== null && p.viewerInbound?.jitterBufferMs !== undefined ? ms(p.viewerInbound.jitterBufferMs) : '—',
    `${p.receivedWidth}×${p.receivedHeight}`,
    n(p.misreads),
    `${n(p.browserCpuPercent?.publisher)} / ${n(p.browserCpuPercent?.viewer)} / ${n(p.nodeCpuPercent)} / ${n(p.farmCpuPercent ?? 0)}`,
    n(p.otherCpuPercent),
    n(p.machineBusyPercent),
  ]);
  const c = g.clock;
  const out = [
    table(
      ['Viewers', 'Samples', 'p50', 'p95', 'max', 'to receive p50', 'Jitter buffer', 'Received', 'Misreads', 'CPU publisher / viewer / node / farm, % of a core', 'Other processes, % of a core', 'Machine busy, %'],
      rows,
    ),
    `Method: ${g.method}`,
    '"to receive" is the sender\'s clock → the viewer\'s receive time of the frame (capture, encode, network, node); the rest to "p50" is jitter buffer, decode and render.',
  ];
  if (c?.before) {
    out.push(
      `Clocks: the viewer's clock − the publisher's was ${n(c.before.correctionMs, 2)} ms before and ${c.after ? `${n(c.after.correctionMs, 2)} ms after` : '? after'} (Date.now(): ${n(c.before.dateCorrectionMs, 2)} ms; each ± ${n(c.before.uncertaintyMs, 2)} ms, half the Playwright round trips); ${n(c.correctionUsedMs, 2)} ms was subtracted from every sample.`,
    );
  }
  const pub = g.publisherRamp;
  const p0 = g.points?.[0]?.publisher;
  if (p0 || pub) out.push(`Publisher (canvas): ${n(p0?.videoKbps ?? pub?.lastKbps)} kbit/s video, ${p0?.width ?? pub?.width ?? '?'}×${p0?.height ?? pub?.height ?? '?'} at ${n(p0?.encodedFps, 1)} fps.`);
  return out;
}

function sizeSection(r: Json): string[] {
  const s = r.size;
  const rows = (s.files as Json[]).map((f) => [`\`${f.path}\``, f.kind, f.via, n(f.bytes), n(f.gzipBytes)]);
  rows.push(['**JavaScript total**', 'js', '', n(s.jsBytes), `**${n(s.jsGzipBytes)}** (${kb(s.jsGzipBytes)})`]);
  rows.push(['**CSS total**', 'css', '', n(s.cssBytes), `${n(s.cssGzipBytes)} (${kb(s.cssGzipBytes)})`]);
  const out = [
    table(['File', 'Kind', 'Loaded as', 'Bytes', 'Gzip -9, bytes'], rows),
    `Budget ${kb(s.budgetBytes)} of gzipped JavaScript: ${s.withinBudget ? 'within' : '**over**'} (${kb(Math.abs(s.headroomBytes))} ${s.headroomBytes >= 0 ? 'to spare' : 'over'}). Counted: the page's module script, its modulepreloads and their static imports, transitively.`,
  ];
  if (s.lazyFiles?.length) out.push(`Not counted (dynamic import only): ${(s.lazyFiles as Json[]).map((f) => `\`${f.path}\` ${kb(f.gzipBytes)}`).join(', ')}.`);
  return out;
}

function recordingSection(r: Json): string[] {
  const out: string[] = [];
  const o = r.recordingOverhead;
  if (o) {
    out.push(
      table(
        ['What', 'Node CPU, % of a core'],
        [
          ['Recording the set (the default)', n(o.cpuRecordingPercent, 1)],
          ['--no-recording', n(o.cpuNotRecordingPercent, 1)],
          ['Overhead', `+${n(o.extraPercentPoints, 1)} points (×${n(o.ratio, 2)})`],
        ],
      ),
    );
    out.push(`Same ${n(o.windowSeconds)} s window, each node with its own studio publisher (${n(o.publisherKbps?.recording)} / ${n(o.publisherKbps?.notRecording)} kbit/s); machine ${n(o.machineBusyPercent)}% busy.`);
  }
  const c = r.recording?.continuity;
  if (c) {
    out.push(
      `Recorded file: ${n(c.seconds, 1)} s, ${n(c.videoFrames)} video frames, ${n(c.audioPackets)} audio packets; largest gap video ${ms(c.largestVideoGapMs)}, audio ${ms(c.largestAudioGapMs)} (${n(c.videoGapsOver200ms)} video gaps > 200 ms, ${n(c.audioGapsOver60ms)} audio gaps > 60 ms); audio and video start ${ms(c.avStartApartMs)} apart.`,
    );
  }
  return out;
}

function clipsSection(r: Json): string[] {
  const out: string[] = [];
  const c = r.clips?.copyCut;
  if (c) {
    out.push(
      table(
        ['What', 'Range', 'Time p50', 'Times real time'],
        [
          [`Fast copy, node (mediabunny)${r.clips.source === 'synthetic' ? ', synthetic source' : ''}`, `${n(c.rangeSeconds)} s`, ms(c.nodeMs?.p50), `×${n(c.nodeTimesRealTime, 1)}`],
          ['ffmpeg -c copy (reference)', `${n(c.rangeSeconds)} s`, ms(c.ffmpegMs?.p50), `×${n(c.ffmpegTimesRealTime, 1)}`],
        ],
      ),
    );
    out.push(`The node's cut takes ×${n(c.ratioToFfmpeg, 2)} ffmpeg's time (n = ${n(c.nodeMs?.n)}).`);
  }
  const v = r.vertical;
  if (v && 'error' in v) out.push(`Vertical 9:16 short: FAILED — ${String(v.error).split('\n')[0]}`);
  else if (v) {
    out.push(
      table(
        ['What', 'Range', 'Wall time', 'Times real time', 'CPU time'],
        [
          [`Vertical 9:16 short in the studio page (WebCodecs VP8, ${v.width}×${v.height})`, `${n(v.rangeSeconds)} s`, `${n(v.pageEncodeSeconds, 1)} s`, `×${n(v.pageTimesRealtime, 2)}`, v.pageCpuSeconds === null ? '—' : `${n(v.pageCpuSeconds, 1)} s`],
          ['ffmpeg libvpx (reference)', `${n(v.rangeSeconds)} s`, `${n(v.ffmpegSeconds, 1)} s`, `×${n(v.ffmpegTimesRealtime, 2)}`, `${n(v.ffmpegCpuSeconds, 1)} s`],
        ],
      ),
    );
    out.push(`Median of ${v.runs?.length ?? '?'} runs; load average ${n(v.loadAverage1m, 2)} on ${r.machine?.cores ?? '?'} cores when they began${v.problems?.length ? `; problems: ${v.problems.join('; ')}` : ''}.`);
  }
  return out;
}

function chatSection(r: Json): string[] {
  const ms1 = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '—');
  const rows = (r.chat.points as Json[]).map((p) => [String(p.sockets), n(p.messages), ms1(p.lastSocketMs?.p50), ms1(p.lastSocketMs?.p95), ms1(p.medianSocketMs?.p50), n(p.nodeCpuPercent, 1)]);
  return [
    table(['Sockets', 'Messages', 'Last socket p50', 'Last socket p95', 'Median socket p50', 'Node CPU, %'], rows),
    `Busker's line → every viewer socket; ×${n(r.chat.lastSocketRatio, 2)} the time for ×${n(r.chat.socketsRatio)} the sockets.`,
  ];
}

function simulcastSection(r: Json): string[] {
  const s = r.simulcast;
  if ('error' in s) return [`FAILED — ${String(s.error).split('\n')[0]}`];
  const out: string[] = [];
  const cpu = s.publisherCpu;
  if (cpu?.off || cpu?.on) {
    out.push(
      table(
        ['Mode', 'Publisher (studio) CPU, % of a core', 'Node CPU, % of a core'],
        [
          ['Simulcast off', n(cpu.off?.publisherCpuPercent, 1), n(cpu.off?.nodeCpuPercent, 1)],
          ['Simulcast on', n(cpu.on?.publisherCpuPercent, 1), n(cpu.on?.nodeCpuPercent, 1)],
          ['Ratio on / off', `×${n(cpu.cpuRatio?.publisher, 2)}`, `×${n(cpu.cpuRatio?.node, 2)}`],
        ],
      ),
    );
  }
  const up = s.cappedUplink;
  if (up && 'skipped' in up) out.push(`Capped uplink: skipped — ${up.skipped}.`);
  else if (up) {
    const show = (m: Json) => (m ? `${m.stoppedBecause === 'time budget' ? '≥ ' : ''}${m.maxSustained} (${m.stoppedBecause})` : '—');
    out.push(
      table(
        ['Mode', `Viewers sustained on a ${n(up.rateKbit / 1000, 1)} Mbit/s uplink`],
        [
          ['Simulcast off', show(up.off)],
          ['Simulcast on', show(up.on)],
        ],
      ),
    );
    out.push(
      `Sustained: ≥ ${up.criteria?.sustainedStepPercent ?? 90}% of viewers with ≤ ${n(up.criteria?.maxLossPercent)}% loss and ≥ ${n(up.criteria?.minVideoKbps)} kbit/s video${up.maxSustainedRatio !== null && up.maxSustainedRatio !== undefined ? `; on / off ×${n(up.maxSustainedRatio, 2)}` : ''}.`,
    );
  }
  return out;
}

function janusSection(r: Json): string[] {
  const j = r.janus;
  if ('error' in j) return [`FAILED — ${String(j.error).split('\n')[0]}`];
  const c = j.perSfu?.curbcast;
  const g = j.perSfu?.janus;
  if (!c || !g) return ['(no per-SFU summary in this file)'];
  const byViewers = (x: Json, v: number) => (x.cpuPercentByViewers as Json[]).find((p) => p.viewers === v);
  const counts = [...new Set([...(c.cpuPercentByViewers as Json[]), ...(g.cpuPercentByViewers as Json[])].map((p) => p.viewers as number))].sort((a, b) => a - b);
  const rows = counts.map((v) => {
    const a = byViewers(c, v);
    const b = byViewers(g, v);
    return [String(v), n(a?.cpuPercent, 1), n(b?.cpuPercent, 1), n(a?.rssMB), n(b?.rssMB), v === 0 ? '—' : n(a?.perViewerKbps), v === 0 ? '—' : n(b?.perViewerKbps), v === 0 ? '—' : `${n(a?.lossPercent, 2)} / ${n(b?.lossPercent, 2)}`];
  });
  const pct3 = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(3)}%` : '—');
  const ratio = (v: unknown) => (typeof v === 'number' ? `×${v.toFixed(2)}` : '—');
  const out = [
    table(['Viewers', 'Curbcast CPU, % of a core', 'Janus CPU, % of a core', 'Curbcast RSS, MB', 'Janus RSS, MB', 'Curbcast per viewer, kbit/s', 'Janus per viewer, kbit/s', 'Loss, % (Curbcast / Janus)'], rows),
    table(
      ['CPU per viewer, % of a core', 'Curbcast', 'Janus', 'Curbcast / Janus'],
      [
        ['Least-squares slope, all windows (the ratio)', pct3(c.cpuPerViewerPercent), pct3(g.cpuPerViewerPercent), `**${ratio(j.cpuPerViewerRatio)}**`],
        ['(CPU(top) − CPU(0)) / top', pct3(c.cpuPerViewerAtTopPercent), pct3(g.cpuPerViewerAtTopPercent), ratio(j.cpuPerViewerRatioAtTop)],
        ['Between the last two steps', pct3(c.cpuPerViewerBetweenStepsPercent), pct3(g.cpuPerViewerBetweenStepsPercent), ratio(j.cpuPerViewerRatioBetweenSteps)],
        ['Viewers per core (100 / slope)', n(c.viewersPerCoreEstimate), n(g.viewersPerCoreEstimate), ''],
        ['µs of CPU per forwarded packet', n(c.cpuMicrosecondsPerForwardedPacket, 1), n(g.cpuMicrosecondsPerForwardedPacket, 1), ''],
        ['Join p50 (create / POST → first video packet)', ms(c.joinMs?.p50), ms(g.joinMs?.p50), ''],
      ],
    ),
    `Curbcast's CPU per viewer ${j.curbcastAtMostJanus === null || j.curbcastAtMostJanus === undefined ? 'could not be compared with' : j.curbcastAtMostJanus ? '**is at most**' : '**is above**'} Janus ${j.janus?.version ?? '?'}'s (target: ratio ≤ ${TARGETS.cpuPerViewerRatioToJanus}). ${j.config?.roundsRun ?? '?'} round(s) at ${[0, ...(j.config?.viewerSteps ?? [])].join(', ')} viewers, ${n(j.config?.windowSeconds)} s windows, order alternating; Curbcast ${(j.config?.curbcastArgs ?? []).join(' ') || 'with its defaults'}.`,
    `Input, the same RTP into both: ${j.input?.method ?? '?'}; ${n(j.input?.sentKbps)} kbit/s, ${n(j.input?.sentPacketsPerSecond)} packets/s. Viewers: werift farm viewers (no decoding), WHEP for Curbcast, Janus's HTTP API for Janus.`,
  ];
  return out;
}

function capacitySection(r: Json): string[] {
  const c = r.capacity;
  if ('error' in c) return [`FAILED — ${String(c.error).split('\n')[0]}`];
  const f = c.fit ?? {};
  const l = c.limits ?? {};
  const withLoops = (c.points as Json[]).some((p) => p.eventLoopPercent);
  const phase: Record<string, string> = { baseline: 'publisher only', ramp: '', confirm: 'again', bisect: 'bisect' };
  const rows = (c.points as Json[]).map((p) => [
    `${p.viewers}${p.viewers !== p.requestedViewers ? ` (of ${p.requestedViewers})` : ''}${phase[p.phase] ? ` ${phase[p.phase]}` : ''}`,
    n(p.nodeCpuPercent, 1),
    n(p.nodeBusiestThread?.cpuPercent, 0),
    n(p.nodeWaitPercent, 0),
    n(p.nodeRssMB),
    p.viewers === 0 ? '—' : `${n(p.lossPercent, 2)}${p.stalledViewers ? ` (${p.stalledViewers} got nothing: ${n(p.lossWithStalledPercent, 1)})` : ''}`,
    p.viewers === 0 ? '—' : n(p.perViewerKbps),
    `${n(p.farm?.cpuPercent, 0)} (${n(p.farm?.processes)})`,
    n((p.publisherCpuPercent?.bench ?? 0) + (p.publisherCpuPercent?.ffmpeg ?? 0), 0),
    n(p.otherCpuPercent, 0),
    n(p.machineBusyPercent),
    ...(withLoops ? [p.eventLoopPercent ? [n(p.eventLoopPercent.main), ...(p.eventLoopPercent.threads as number[]).map((t) => n(t))].join(' / ') : '—'] : []),
    p.valid === false ? `**invalid: ${p.invalidReason}**` : p.over?.length ? `**over: ${(p.over as string[]).join(', ')}**` : 'ok',
  ]);
  const pct = (v: unknown, d = 2) => (typeof v === 'number' ? `${v.toFixed(d)}% of a core` : '—');
  const over = c.firstOver ? `${(c.firstOver.limits as string[]).join(' and ')} at ${c.firstOver.viewers} viewers` : `${c.stoppedBy} (no limit reached)`;
  const out = [
    table(
      ['Viewers', 'Node CPU, % of a core', 'Busiest node thread, %', 'Node waited for a CPU, %', 'Node RSS, MB', 'Loss, %', 'Per viewer, kbit/s', 'Farm CPU, % (processes)', 'Publisher CPU, %', 'Others, %', 'Machine busy, %', ...(withLoops ? ['Event loops, % busy (main / forwarding threads)'] : []), 'Limits'],
      rows,
    ),
    table(
      ['Result', 'Value'],
      [
        ['Last N below both limits', `**${n(c.lastGoodViewers)}**`],
        ['Stopped by', over],
        ['Limits', String(l.rule ?? '?')],
        ['Hard caps', `${n(l.maxViewers)} viewers, ${n(l.budgetSeconds)} s (used ${n(c.seconds)} s with encode and start)`],
        ['CPU per viewer (slope of node CPU over N, windows below the limits)', `**${pct(f.cpuPerViewerPercent, 3)}** (R² ${n(f.cpuR2, 3)}; fixed cost at N = 0: ${pct(f.cpuInterceptPercent, 1)}; ${n(f.points)} windows, ${(f.viewersRange ?? []).join('–')} viewers)`],
        ['Viewers per core (100 / slope)', `**${n(f.viewersPerCore)}**`],
        ['RSS per viewer (slope, rising windows)', typeof f.rssPerViewerMB === 'number' ? `**${(f.rssPerViewerMB * 1024).toFixed(0)} KB** (${n(f.rssInterceptMB)} MB at N = 0)` : '—'],
        ['Node alone at the CPU limit (the line extrapolated)', f.viewersAtCpuLimit === null || f.viewersAtCpuLimit === undefined ? '—' : `≈ ${n(f.viewersAtCpuLimit)} viewers`],
        ...(typeof f.busiestThreadCpuPerViewerPercent === 'number'
          ? [[`Busiest node thread per viewer (slope), and where it reaches ${n(c.config?.cpuLimitPercentPerThread)}% of its core`, `${pct(f.busiestThreadCpuPerViewerPercent, 3)}; ≈ ${n(f.viewersAtThreadLimit)} viewers`]]
          : []),
        ['Viewer farm CPU per viewer (slope)', pct(f.farmCpuPerViewerPercent, 3)],
      ],
    ),
  ];
  if (c.diagnosis?.length) out.push((c.diagnosis as string[]).join(' '));
  const reasons = Object.entries((c.nodeLog?.viewerCloseReasons ?? {}) as Record<string, number>);
  if (reasons.length || c.nodeLog?.problems?.length) {
    out.push(
      `Node log: viewers closed ${reasons.length ? reasons.map(([why, count]) => `${count} × ${why}`).join(', ') : '(none logged)'}${c.nodeLog?.problems?.length ? `; first warnings/errors: ${(c.nodeLog.problems as string[]).slice(0, 4).map((x) => `“${x}”`).join('; ')}` : ''}.`,
    );
  }
  out.push(
    `Publisher: ${c.input?.method ?? '?'}; ${n(c.input?.sentKbps)} kbit/s, ${n(c.input?.sentPacketsPerSecond)} packets/s. Node: \`curbcast serve\`${c.config?.nodeArgs?.length ? ` ${c.config.nodeArgs.join(' ')}` : ''}${c.config?.recording === false ? '' : ' (recording its set, the default)'}. Viewers: werift WHEP viewers that count packets and sequence gaps (no decoding), ≤ ${n(c.config?.viewersPerFarm)} per farm process${c.config?.farmNice !== null && c.config?.farmNice !== undefined ? ` at nice ${c.config.farmNice}` : ''}, joined one at a time; ${n(c.config?.settleSeconds)} s settle, ${n(c.config?.windowSeconds)} s window per step; a crossing is measured twice, then the gap bisected. CPU is % of ONE core (the node: all its threads); "Node waited" is its threads' run-queue time (/proc schedstat): CPU it wanted while other work held the ${n(c.config?.cores)} cores; "Publisher" is the WHIP relay in the bench process plus ffmpeg; "Others" is the rest of the machine (other people's processes, kernel).`,
  );
  return out;
}

function scalingSection(r: Json): string[] {
  const s = r.scaling;
  if ('error' in s) return [`FAILED — ${String(s.error).split('\n')[0]}`];
  const rows = (s.byThreads ?? []) as Json[];
  if (rows.length === 0) return ['No valid runs.'];
  const c = s.config ?? {};
  const limit = n(c.threadLimitPercent);
  const pct4 = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '—');
  const ratio = (v: unknown) => (typeof v === 'number' ? `×${v.toFixed(2)}` : '—');
  // A thread that barely grows with viewers would reach the limit far beyond anything measured: not a number to read.
  const far = (v: unknown) => (typeof v === 'number' && v > 1000 ? '> 1000' : n(v));
  const bound = (by: unknown) => (by === 'cores' ? `the process at ${limit}% × ${n(c.cores)} cores` : by ? `${by} at ${limit}%` : '—');
  const normalised = new Map(((s.farmNormalised?.byThreads ?? []) as Json[]).map((x) => [x.forwardingThreads, x]));
  const normalisedCell = (t: number) => {
    const x = normalised.get(t);
    return x ? `${ratio(x.projectedRatio)} (${n(x.projectedViewers)}; runs ${((x.projectedViewersPerRun ?? []) as Json[]).map((v) => n(v)).join(', ')})` : '—';
  };
  const projection = table(
    ['Forwarding threads', 'Busiest thread per viewer, % of a core', 'Per-viewer work split', `Projected viewers (first to reach ${limit}%)`, '× 0 threads', 'Each run', 'Farm-normalised: × 0 threads (viewers; each run)', `With a core per thread`, 'Loss at N, %', 'RSS at N, MB', 'Node waited, %', 'Others, % of a core'],
    rows.map((x) => [
      `${x.forwardingThreads}${x.representative === false ? ' (contended)' : ''}`,
      `${pct4(x.busiest?.perViewerPercent)} (${x.busiest?.thread})`,
      String(x.split),
      `**${n(x.projectedViewers)}** (${bound(x.projectedBy)})`,
      `**${ratio(x.projectedRatio)}**`,
      ((x.projectedViewersPerRun ?? []) as Json[]).map((v) => n(v)).join(', '),
      normalisedCell(x.forwardingThreads),
      `${n(x.threadBoundViewers)} (${x.threadBoundBy ?? '—'}; ${ratio(x.threadBoundRatio)})`,
      n(x.lossPercent, 2),
      n(x.loadedRssMB),
      n(x.nodeWaitPercent),
      n(x.othersCpuPercent),
    ]),
  );
  const perThread = table(
    ['Forwarding threads', 'Thread', '0 viewers, % of a core', `${n(c.viewers)} viewers, %`, 'Per viewer, %', 'Share of per-viewer work, %', `Reaches ${limit}% at, viewers`, `Event loop busy at ${n(c.viewers)}, %`],
    rows.flatMap((x) => [
      ...((x.threads ?? []) as Json[]).map((t) => [
        String(x.forwardingThreads),
        t.thread === 'other' ? 'other (libuv, V8 helpers)' : String(t.thread),
        n(t.idlePercent, 1),
        n(t.loadedPercent, 1),
        pct4(t.perViewerPercent),
        n(t.shareOfPerViewerPercent),
        far(t.viewersAtLimit),
        n(t.eventLoopPercentAtN),
      ]),
      [String(x.forwardingThreads), '**whole process**', n(x.process?.idlePercent, 1), n(x.process?.loadedPercent, 1), pct4(x.process?.perViewerPercent), '100', `${n(x.process?.viewersAtCoresLimit)} (at ${limit}% × ${n(c.cores)})`, ''],
    ]),
  );
  const runs = (s.runs ?? []) as Json[];
  const planned = (c.order ?? []) as number[];
  const done = runs.map((run) => run.forwardingThreads as number);
  const order = done.length < planned.length ? `${done.join(', ')} (of ${planned.join(', ')}: the rest did not fit the time budget)` : done.join(', ');
  const others = runs.flatMap((run) => [run.idle?.othersCpuPercent, run.loaded?.othersCpuPercent]).filter((v) => typeof v === 'number') as number[];
  return [
    projection,
    perThread,
    `**What this shows, and what it cannot:** ${s.caveat}`,
    ...(s.farmNormalised
      ? [
          `Farm-normalised: the viewer farm does the same work in every loaded window whatever the node's threads, so its CPU per viewer moves only with how fast the shared machine ran that window; each run's per-viewer CPU is divided by its farm's (relative to the mean: ${((s.farmNormalised.speedFactors ?? []) as Json[]).map((f) => `run ${f.order} ×${n(f.factor, 2)}`).join(', ')}). A check on the raw ratios, not a replacement: it assumes the farm's cost per viewer is the same for every thread count.`,
        ]
      : []),
    ...rows
      .filter((x) => x.leftOut?.length)
      .map((x) => `Left out of the ${x.forwardingThreads}-thread line: ${(x.leftOut as Json[]).map((l) => `run ${l.order} (${l.why})`).join('; ')}.`),
    ...(s.diagnosis?.length ? [(s.diagnosis as string[]).join(' ')] : []),
    `Method: one node at a time, \`curbcast serve --forwarding-threads t\` ${c.placement === 'pack' ? ' with viewers packed onto one thread before the next (\`--thread-placement pack\`)' : ' with viewers spread evenly over the threads (\`--thread-placement even\`, the default)'}${c.recording === false ? ' --no-recording' : ' (recording its set, the default)'}, in the order ${order}; each run a ${n(c.warmupSeconds)} s warm-up, a ${n(c.windowSeconds)} s window with no viewers, ${n(c.viewers)} werift farm viewers (no decoding, ≤ ${n(c.viewersPerFarm)} per farm process), ${n(c.settleSeconds)} s settle, a ${n(c.windowSeconds)} s window. CPU per OS thread from /proc/<pid>/task: the main thread is the one whose id is the pid, forwarding threads are named \`curbcast-fwd-<i>\`, "other" is the rest. Each thread's line is fitted through its windows at 0 and ${n(c.viewers)} viewers (every run of that count). "Node waited" is its threads' run-queue time (/proc schedstat) in the loaded windows; "Others" is the rest of the machine (other people's processes, the kernel), beside the node, the farm and the publisher. Load average ${n(c.loadAverage1mAtStart, 2)} at the start, ${n(c.loadAverage1mAtEnd, 2)} at the end; other processes used ${others.length ? `${n(Math.min(...others))}–${n(Math.max(...others))}` : '?'}% of a core in the windows.`,
  ];
}

function verdict(measured: number | null | undefined, limit: number, unit: (v: number) => string): string {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) return 'not measured';
  const d = limit - measured;
  return d >= 0 ? `**met** (${unit(d)} under)` : `**not met** (${unit(-d)} over)`;
}

/** The same for a goal that is a floor. */
function verdictAtLeast(measured: number | null | undefined, floor: number, unit: (v: number) => string): string {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) return 'not measured';
  const d = measured - floor;
  return d >= 0 ? `**met** (${unit(d)} over)` : `**not met** (${unit(-d)} short)`;
}

function targetsSection(chosen: Map<string, Source>): string[] {
  const rows: string[][] = [];
  const lat = chosen.get('latency')?.data.latency;
  const points = (lat?.points ?? []) as Json[];
  const atTarget = points.find((p) => p.viewers === TARGETS.glassToGlassViewers) ?? points.at(-1);
  rows.push([
    `Glass-to-glass p95, loopback, ${TARGETS.glassToGlassViewers} viewers`,
    `≤ ${TARGETS.glassToGlassP95Ms} ms`,
    atTarget ? `${ms(atTarget.latencyMs?.p95)}${atTarget.viewers !== TARGETS.glassToGlassViewers ? ` (at ${atTarget.viewers} viewers)` : ''}` : '—',
    verdict(atTarget?.viewers === TARGETS.glassToGlassViewers ? atTarget.latencyMs?.p95 : null, TARGETS.glassToGlassP95Ms, (v) => `${Math.round(v)} ms`),
  ]);
  const t = chosen.get('ttff')?.data.ttffWithViewers;
  rows.push([
    `TTFF p50 with ${TARGETS.ttffExistingViewers} viewers already watching`,
    `≤ ${TARGETS.ttffP50Ms} ms`,
    t ? `${ms(t.ttffMs?.p50)} (n = ${t.ttffMs?.n}, ${t.existingViewers} watching)` : '—',
    // With fewer watching than the target's, a p50 over the goal still fails it (more viewers only
    // slow joins down); one under it shows nothing.
    verdict(
      t && (t.existingViewers >= TARGETS.ttffExistingViewers || (t.ttffMs?.p50 ?? 0) > TARGETS.ttffP50Ms) ? t.ttffMs?.p50 : null,
      TARGETS.ttffP50Ms,
      (v) => `${Math.round(v)} ms`,
    ),
  ]);
  const size = chosen.get('size')?.data.size;
  const janus = chosen.get('janus')?.data.janus;
  const jr = janus && !('error' in janus) ? janus.cpuPerViewerRatio : null;
  rows.push([
    `CPU per viewer, Curbcast / Janus`,
    `≤ ×${TARGETS.cpuPerViewerRatioToJanus}`,
    typeof jr === 'number' ? `×${jr.toFixed(2)} (${n(janus.perSfu?.curbcast?.cpuPerViewerPercent, 3)}% vs ${n(janus.perSfu?.janus?.cpuPerViewerPercent, 3)}% of a core)` : '—',
    verdict(typeof jr === 'number' ? jr : null, TARGETS.cpuPerViewerRatioToJanus, (v) => `×${v.toFixed(2)}`),
  ]);
  const capacity = chosen.get('capacity')?.data.capacity;
  const perCore = capacity && !('error' in capacity) ? capacity.fit?.viewersPerCore : null;
  rows.push([
    'Viewers per core, ~2 Mbit/s, < 0.5% loss',
    `≥ ${TARGETS.viewersPerCore}`,
    typeof perCore === 'number' ? `${perCore} (${n(capacity.fit?.cpuPerViewerPercent, 3)}% of a core per viewer, loss-free up to ${n(capacity.lastGoodViewers)} viewers)` : '—',
    verdictAtLeast(typeof perCore === 'number' ? perCore : null, TARGETS.viewersPerCore, (v) => `${Math.round(v)}`),
  ]);
  rows.push(['Viewer page JavaScript, gzipped', `≤ ${kb(TARGETS.viewerJsGzipBytes)}`, size ? kb(size.jsGzipBytes) : '—', verdict(size?.jsGzipBytes, TARGETS.viewerJsGzipBytes, kb)]);
  return [table(['Target (issue #9)', 'Goal', 'Measured', 'Result'], rows), 'A benchmark result on this machine, not a timed test: the numbers move with the load from other processes (see each section).'];
}

export function renderBenchmarksMd(sources: Source[]): string {
  if (sources.length === 0) throw new Error('no bench results to read');
  const chosen = pick(sources);
  const newest = [...chosen.values()].sort((a, b) => b.time - a.time)[0] ?? sources[0]!;
  const m = newest.data.machine ?? {};
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by test/bench/benchmarks-md.ts from bench/results/*.json (npm run bench runs it); do not edit by hand. -->',
    '',
    `Machine: ${m.cores ?? '?'} cores (${m.cpuModel ?? '?'}), ${n(m.memoryGB, 1)} GB RAM · ${m.chromium ?? 'Chromium ?'} · Node ${m.node ?? '?'}.`,
    `Newest run: ${String(newest.data.date).slice(0, 10)} (\`${newest.path}\`, commit ${newest.data.git?.commit ?? '?'}). Everything runs on this one machine over 127.0.0.1: the node, the publisher's and the viewers' Chromium and the viewer farm share its ${m.cores ?? '?'} cores.`,
    '',
    '## Targets',
    '',
    targetsSection(chosen).join('\n\n'),
  ];
  const render: Record<string, (r: Json) => string[]> = {
    sweep: sweepSection,
    ttff: ttffSection,
    latency: latencySection,
    size: sizeSection,
    recording: recordingSection,
    clips: clipsSection,
    chat: chatSection,
    simulcast: simulcastSection,
    janus: janusSection,
    capacity: capacitySection,
    sendpath: sendPathMarkdown,
    scaling: scalingSection,
  };
  for (const section of SECTIONS) {
    const source = chosen.get(section.key);
    const fn = render[section.key];
    if (!source || !fn) continue;
    lines.push('', `## ${section.title}`, '', fromLine(source), '');
    const sm = source.data.machine ?? {};
    if (sm.cores !== m.cores || sm.cpuModel !== m.cpuModel) lines.push(`_(on another machine: ${sm.cores} cores, ${sm.cpuModel})_`, '');
    lines.push(fn(source.data).join('\n\n'));
  }
  const warned = [...new Set(chosen.values())].filter((s) => s.data.warnings?.length);
  if (warned.length) {
    lines.push('', '## Warnings from these runs', '');
    for (const s of warned) {
      const all = s.data.warnings as string[];
      for (const w of all.slice(0, 6)) lines.push(`- \`${basename(s.path)}\`: ${w}`);
      if (all.length > 6) lines.push(`- \`${basename(s.path)}\`: … and ${all.length - 6} more (see the file)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function writeBenchmarksMd(options: { files?: string[]; out?: string } = {}): string {
  const dir = join(ROOT, 'bench/results');
  const files = options.files?.length ? options.files : readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  const out = options.out ?? join(ROOT, 'BENCHMARKS.md');
  writeFileSync(out, renderBenchmarksMd(loadSources(files)));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at >= 0 ? args.splice(at, 2)[1] : undefined;
  try {
    const path = writeBenchmarksMd({ files: args, ...(out ? { out } : {}) });
    process.stderr.write(`wrote ${relative(process.cwd(), path) || path}\n`);
  } catch (error) {
    process.stderr.write(`benchmarks-md: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
