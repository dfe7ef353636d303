/**
 * Debian's Janus for the `janus` bench section: installed from the script when missing (root and
 * apt-get only), configured in a temp dir (Streaming plugin + HTTP transport on 127.0.0.1, no
 * STUN/TURN, ICE-lite, no IPv6, no mDNS), run as our child and killed on exit.
 *
 * ICE: Janus never gathers on loopback interfaces (its ice.c skips IFF_LOOPBACK), and with nothing
 * allowed (`ice_enforce_list = "lo"`) libnice falls back to every address, IPv6 ones included. So
 * Janus is told to gather on exactly one of this machine's own IPv4 addresses. Datagrams between two
 * addresses of the same machine never reach a NIC (Linux's local routing table sends them through
 * lo), which the bench checks with the non-loopback TX counters. The farm's Janus viewers bind
 * their ICE to that same address: libnice would not pair Janus's candidate with a 127.0.0.1 one
 * (ICE stayed 'checking'), while Curbcast's viewers stay on 127.0.0.1 as in the sweep.
 *
 * Only the two modules we use are loaded: plugins_folder and transports_folder point at temp dirs
 * holding a symlink to libjanus_streaming.so and libjanus_http.so (Janus has no "enable only"
 * list); event handlers and loggers point at an empty dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { log, sleep, withTimeout } from './stats.js';

const run = promisify(execFile);

/** Where Debian's package puts the modules (multiarch); the first that exists wins. */
const MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];

export interface JanusInstall {
  /** `janus` on PATH after this call. */
  path: string;
  /** 'present' (was installed), 'installed' (apt-get just now). */
  how: 'present' | 'installed';
  version: string;
  /** What we did about the distribution's service (so it never runs beside ours). */
  service: string;
  seconds: number;
}

async function which(command: string): Promise<string | null> {
  try {
    const { stdout } = await run('sh', ['-c', `command -v ${command}`], { timeout: 5000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** The Debian service must not run beside ours (it would also load every plugin on port 8088). */
async function quietDistributionService(): Promise<string> {
  if (existsSync('/run/systemd/system')) {
    try {
      await run('systemctl', ['disable', '--now', 'janus'], { timeout: 30_000 });
      return 'systemctl disable --now janus';
    } catch (error) {
      return `systemctl disable --now janus failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  // No systemd (a container): the package's init script, if any, is disabled; it is stopped if it runs.
  const notes: string[] = ['no systemd'];
  if (existsSync('/etc/init.d/janus')) {
    await run('update-rc.d', ['janus', 'disable'], { timeout: 30_000 }).then(
      () => notes.push('update-rc.d janus disable'),
      () => notes.push('update-rc.d janus disable failed'),
    );
    const daemons = await run('pgrep', ['-f', '^/usr/bin/janus .*--daemon'], { timeout: 5000 }).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (daemons) {
      await run('service', ['janus', 'stop'], { timeout: 30_000 }).then(
        () => notes.push('service janus stop'),
        (error: Error) => notes.push(`service janus stop failed: ${error.message.split('\n')[0]}`),
      );
    } else notes.push('not running');
  }
  return notes.join('; ');
}

/**
 * `janus` on PATH, installing Debian's package when it is missing. Resolves to a reason string when
 * it cannot be had (not root, no apt-get, the install failed): the section is then skipped.
 */
export async function ensureJanus(): Promise<JanusInstall | string> {
  const started = performance.now();
  let path = await which('janus');
  let how: JanusInstall['how'] = 'present';
  if (!path) {
    if (process.getuid?.() !== 0) return 'janus is not installed and we are not root (apt-get install -y --no-install-recommends janus)';
    if (!(await which('apt-get'))) return 'janus is not installed and there is no apt-get';
    log('janus: apt-get install -y --no-install-recommends janus');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', 'janus'], { env, timeout: 300_000, maxBuffer: 16 << 20 });
    try {
      await install();
    } catch {
      // Stale package lists are the usual reason: refresh once and try again.
      try {
        await run('apt-get', ['update'], { env, timeout: 180_000, maxBuffer: 16 << 20 });
        await install();
      } catch (error) {
        return `apt-get install janus failed: ${(error as Error).message.split('\n').slice(-3).join(' ')}`;
      }
    }
    path = await which('janus');
    if (!path) return 'apt-get install janus succeeded but there is no janus on PATH';
    how = 'installed';
  }
  const service = await quietDistributionService();
  let version = 'unknown';
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
    version = /Janus version: \d+ \(([^)]+)\)/.exec(stdout)?.[1] ?? stdout.split('\n')[0]!.trim();
  } catch (error) {
    const out = String((error as { stdout?: string }).stdout ?? '');
    version = /Janus version: \d+ \(([^)]+)\)/.exec(out)?.[1] ?? 'unknown';
  }
  return { path, how, version, service, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/** A free port on 127.0.0.1 (bound, then released: a small race we accept in a bench). */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const port = socket.address().port;
      socket.close(() => resolve(port));
    });
  });
}

/**
 * The IPv4 address Janus gathers its ICE candidate on: the first non-internal one (traffic to it
 * from this machine stays on lo); null when the machine has only loopback.
 */
export function janusIceAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

export interface JanusMountpoint {
  id: number;
  /** Where the Streaming plugin listens for plain RTP (127.0.0.1). */
  videoPort: number;
  audioPort: number;
  videoPayloadType: number;
  audioPayloadType: number;
}

export interface JanusServer {
  pid: number;
  /** http://127.0.0.1:PORT/janus */
  apiUrl: string;
  /** The one address Janus's ICE candidates carry (one of this machine's own). */
  iceAddress: string;
  mountpoint: JanusMountpoint;
  configDir: string;
  logPath: string;
  /** GET /janus/info, as Janus reports its own settings (ice-lite, ipv6, local-ip, plugins…). */
  info: Record<string, unknown>;
  logTail(lines?: number): string;
  /**
   * Log lines that would mean something went (or tried to go) off the machine or wrong: STUN/TURN,
   * name resolution, public IPs, errors. Empty is what we expect.
   */
  logProblems(): string[];
  stop(graceMs?: number): Promise<void>;
  killNow(): void;
  readonly exited: boolean;
}

function moduleDir(): string {
  const dir = MODULE_DIRS.find((d) => existsSync(join(d, 'plugins/libjanus_streaming.so')));
  if (!dir) throw new Error(`cannot find Janus's plugins (libjanus_streaming.so) in ${MODULE_DIRS.join(', ')}`);
  return dir;
}

/** Writes the config (janus.jcfg, the HTTP transport's and the Streaming plugin's) into `dir`. */
export function writeJanusConfig(dir: string, options: { httpPort: number; mountpoint: JanusMountpoint; iceAddress: string; rtpPortRange?: string }): string {
  const modules = moduleDir();
  for (const sub of ['plugins', 'transports', 'none']) mkdirSync(join(dir, sub), { recursive: true });
  const link = (from: string, to: string) => {
    if (!existsSync(to)) symlinkSync(from, to);
  };
  link(join(modules, 'plugins/libjanus_streaming.so'), join(dir, 'plugins/libjanus_streaming.so'));
  link(join(modules, 'transports/libjanus_http.so'), join(dir, 'transports/libjanus_http.so'));
  const m = options.mountpoint;
  const config = join(dir, 'janus.jcfg');
  writeFileSync(
    config,
    `# Written by test/bench/janus-server.ts: loopback only, nothing leaves the machine.
general: {
	configs_folder = "${dir}"
	plugins_folder = "${dir}/plugins"
	transports_folder = "${dir}/transports"
	events_folder = "${dir}/none"
	loggers_folder = "${dir}/none"
	debug_level = 4
	debug_timestamps = true
	debug_colors = false
	# The address Janus puts in its SDP's c= line.
	interface = "${options.iceAddress}"
	server_name = "curbcast-bench"
	session_timeout = 60
	hide_dependencies = true
}
certificates: {
}
media: {
	ipv6 = false
	ipv6_linklocal = false
	rtp_port_range = "${options.rtpPortRange ?? '40000-49999'}"
}
nat: {
	# No stun_server, no turn_*, no nat_1_1_mapping: no lookups and no requests off the machine.
	nice_debug = false
	# Like Curbcast's node: answers connectivity checks, never starts them.
	ice_lite = true
	ice_tcp = false
	full_trickle = false
	ignore_mdns = true
	# One of this machine's own addresses (Janus skips loopback interfaces; see the file's comment).
	ice_enforce_list = "${options.iceAddress}"
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
	broadcast = false
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = ${options.httpPort}
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
cors: {
}
`,
  );
  writeFileSync(
    join(dir, 'janus.plugin.streaming.jcfg'),
    `general: {
	events = false
}
bench: {
	type = "rtp"
	id = ${m.id}
	description = "Curbcast bench: VP8 + Opus, plain RTP from the bench on 127.0.0.1"
	audio = true
	video = true
	audioport = ${m.audioPort}
	audioiface = "127.0.0.1"
	audiopt = ${m.audioPayloadType}
	audiocodec = "opus"
	videoport = ${m.videoPort}
	videoiface = "127.0.0.1"
	videopt = ${m.videoPayloadType}
	videocodec = "vp8"
}
`,
  );
  return config;
}

const PROBLEM = /stun|turn|resolv|getaddrinfo|public ip|nat-1-1|\[ERR\]|\[FATAL\]|error/i;

export async function startJanus(dir: string, janusPath = 'janus'): Promise<JanusServer> {
  mkdirSync(dir, { recursive: true });
  const iceAddress = janusIceAddress();
  if (!iceAddress) throw new Error('no non-loopback IPv4 address: Janus never gathers ICE candidates on loopback');
  const httpPort = await freeTcpPort();
  const mountpoint: JanusMountpoint = { id: 1, videoPort: await freeUdpPort(), audioPort: await freeUdpPort(), videoPayloadType: 96, audioPayloadType: 111 };
  const config = writeJanusConfig(dir, { httpPort, mountpoint, iceAddress });
  const logPath = join(dir, 'janus.log');
  const fd = openSync(logPath, 'a');
  // Not detached: it dies with its process group on a hard kill of the bench; -o: no colours.
  const child: ChildProcess = spawn(janusPath, ['-C', config, '-F', dir, '-o'], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = (lines = 30) => readLog().trim().split('\n').slice(-lines).join('\n');
  const killNow = () => {
    if (!exited) child.kill('SIGKILL');
  };
  const stop = async (graceMs = 5000) => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exit, sleep(graceMs)]);
    if (!exited) {
      child.kill('SIGKILL');
      await Promise.race([exit, sleep(2000)]);
    }
  };
  const apiUrl = `http://127.0.0.1:${httpPort}/janus`;
  try {
    const info = await withTimeout(
      (async () => {
        for (;;) {
          if (exited) throw new Error(`janus exited at start:\n${logTail()}`);
          try {
            const res = await fetch(`${apiUrl}/info`, { signal: AbortSignal.timeout(1000) });
            if (res.ok) return (await res.json()) as Record<string, unknown>;
          } catch {
            // not listening yet
          }
          await sleep(100);
        }
      })(),
      15_000,
      'janus to answer /janus/info',
    );
    const plugins = Object.keys((info.plugins as object) ?? {});
    if (!plugins.includes('janus.plugin.streaming')) throw new Error(`janus loaded no Streaming plugin (plugins: ${plugins.join(', ') || 'none'}):\n${logTail()}`);
    if (child.pid === undefined) throw new Error('no pid for janus');
    return {
      pid: child.pid,
      apiUrl,
      iceAddress,
      mountpoint,
      configDir: dir,
      logPath,
      info,
      logTail,
      logProblems: () =>
        readLog()
          .split('\n')
          .filter((line) => PROBLEM.test(line))
          // What Janus says at every start with this config: what we asked for.
          .filter((line) => !/mDNS resolution disabled|TURN REST API backend: \(disabled\)/.test(line))
          .slice(0, 20)
          .map((line) => line.slice(0, 300)),
      stop,
      killNow,
      get exited() {
        return exited;
      },
    };
  } catch (error) {
    await stop(1000);
    throw error;
  }
}
