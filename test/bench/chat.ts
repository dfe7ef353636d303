import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { cpuSeconds, rssMB } from './proc-stats.js';
import { distribution, log, round, sleep, type Distribution } from './stats.js';

/** One fan-out point: `sockets` viewers listening while the busker chats. */
export interface ChatFanoutPoint {
  sockets: number;
  messages: number;
  /** Share of (message, socket) deliveries that arrived within the wait. */
  delivered: number;
  /** Send → the last socket has it, per message, ms (what "everyone sees it" costs). */
  lastSocketMs: Distribution;
  /** Send → the median socket has it, per message, ms. */
  medianSocketMs: Distribution;
  /** The node's CPU while chatting, % of one core, and its RSS after. */
  nodeCpuPercent: number;
  nodeRssMB: number;
}

export interface ChatFanout {
  points: ChatFanoutPoint[];
  /** lastSocket p50 at the largest point / at the smallest: how fan-out time grows with the audience. */
  lastSocketRatio: number | null;
  socketsRatio: number | null;
}

const wsUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}/events`;

async function openSocket(url: string, hello: Record<string, unknown>): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('events socket did not open in 10 s')), 10_000);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  socket.send(JSON.stringify({ type: 'hello', clientId: randomBytes(12).toString('hex'), ...hello }));
  return socket;
}

/**
 * Chat fan-out, side by side at several audience sizes against the same live node: the busker
 * sends `messages` lines (10 a second, under the flood guard) and every viewer socket — in this
 * process — stamps when each arrives. Bounded: at most 5 s of waiting per message, every socket
 * closed at the end of its point. The clients share this process's 2 cores with nothing else, but
 * their parsing is in the numbers: read them as an upper bound.
 */
export async function measureChatFanout(options: {
  baseUrl: string;
  token: string;
  nodePid: number;
  socketCounts: number[];
  messages: number;
}): Promise<ChatFanout> {
  const url = wsUrl(options.baseUrl);
  const points: ChatFanoutPoint[] = [];
  for (const count of options.socketCounts) {
    log(`chat fan-out: ${count} viewer sockets, ${options.messages} busker messages`);
    const viewers: WebSocket[] = [];
    const arrivals = new Map<string, number[]>();
    const busker = await openSocket(url, { token: options.token });
    try {
      for (let opened = 0; opened < count; opened += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, count - opened) }, () => openSocket(url, {})));
        for (const socket of batch) {
          socket.on('message', (data) => {
            const text = String(data);
            // Cheap filter before parsing: only our chat lines matter here.
            if (!text.includes('"type":"chat"')) return;
            const event = JSON.parse(text) as { message?: { text?: string } };
            const line = event.message?.text;
            if (line) arrivals.get(line)?.push(performance.now());
          });
        }
        viewers.push(...batch);
      }
      await sleep(500);
      const cpu0 = cpuSeconds(options.nodePid);
      const t0 = performance.now();
      const sent = new Map<string, number>();
      for (let i = 0; i < options.messages; i++) {
        const line = `bench line ${count}-${i}`;
        arrivals.set(line, []);
        sent.set(line, performance.now());
        busker.send(JSON.stringify({ type: 'chat', text: line }));
        await sleep(100);
      }
      const deadline = performance.now() + 5000;
      while (performance.now() < deadline && [...arrivals.values()].some((a) => a.length < count)) await sleep(20);
      const seconds = (performance.now() - t0) / 1000;
      const cpuPercent = ((cpuSeconds(options.nodePid) - cpu0) / seconds) * 100;
      const last: number[] = [];
      const median: number[] = [];
      let delivered = 0;
      for (const [line, times] of arrivals) {
        delivered += times.length;
        if (times.length === 0) continue;
        const sorted = times.map((t) => t - sent.get(line)!).sort((a, b) => a - b);
        last.push(sorted.at(-1)!);
        median.push(sorted[Math.floor(sorted.length / 2)]!);
      }
      points.push({
        sockets: count,
        messages: options.messages,
        delivered: round(delivered / (count * options.messages), 4),
        lastSocketMs: distribution(last, 1),
        medianSocketMs: distribution(median, 1),
        nodeCpuPercent: round(cpuPercent, 1),
        nodeRssMB: rssMB(options.nodePid),
      });
      log(`  everyone has it after p50 ${points.at(-1)!.lastSocketMs.p50} ms (p95 ${points.at(-1)!.lastSocketMs.p95}); node ${points.at(-1)!.nodeCpuPercent}% CPU`);
    } finally {
      for (const socket of [busker, ...viewers]) socket.terminate();
    }
    await sleep(1000);
  }
  const first = points[0];
  const lastPoint = points.at(-1);
  return {
    points,
    lastSocketRatio: first && lastPoint && first !== lastPoint ? round(lastPoint.lastSocketMs.p50 / first.lastSocketMs.p50, 2) : null,
    socketsRatio: first && lastPoint && first !== lastPoint ? round(lastPoint.sockets / first.sockets, 1) : null,
  };
}
