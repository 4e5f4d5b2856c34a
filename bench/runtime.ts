/**
 * Runtime benchmark: what a `bb` process costs before it does any work. Prints
 *
 *   - `bb --version`: wall time (spawn → exit) and the process's max RSS;
 *   - `bb sendchange` end to end: spawn → exit, and spawn → the master has stored the change;
 *   - `bb master` start to ready (Redis up, config loaded, schedulers armed: its "master started"
 *     line), its RSS then and once idle (BENCH_IDLE_MS, default 15 s: an idle master gives its
 *     young generation back 3–15 s after ready, src/util/trim-memory.ts), with the V8 heap it reported
 *     at its last trim, without chat and with chat (IRC on a real InspIRCd, Matrix on a real
 *     Synapse, each when its server is installed).
 *
 *   npm run bench:runtime
 *   BENCH_RUNS=20 BENCH_IDLE_MS=10000 BENCH_CHAT=irc npm run bench:runtime
 *
 * It starts a private redis-server (or uses $REDIS_URL) and runs the compiled `bin/bb.js` as its
 * own processes (BENCH_BB=path/to/bin/bb.js: another checkout's). BENCH_CHAT lists the chat set-ups to measure (default `irc,matrix`; `none` skips).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/demo/redis.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { deleteAll } from './prefix-lib.js';

// BENCH_BB runs another checkout's bin/bb.js (say, an older bb for a before/after figure).
const BB = process.env.BENCH_BB ?? join(PACKAGE_ROOT, 'bin/bb.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 15000);
const CHAT = (process.env.BENCH_CHAT ?? 'irc,matrix').split(',').filter((c) => c && c !== 'none');
const SECRET = randomBytes(16).toString('hex');
// Appends the process's max RSS (KiB) to $BB_BENCH_RSS at exit; a data: module, so it loads nothing else.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent('import{appendFileSync}from"node:fs";process.on("exit",()=>appendFileSync(process.env.BB_BENCH_RSS,process.resourceUsage().maxRSS+"\\n"))')}`;

const dir = mkdtempSync(join(tmpdir(), 'bb-bench-runtime-'));
const live = new Set<ChildProcess>();

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** Runs `bb <args>` to its end: wall milliseconds, max RSS in KiB, exit code and output. */
function runBb(args: string[]): Promise<{ wall: number; maxRss: number; code: number | null; out: string }> {
  const rssFile = join(dir, `rss-${randomBytes(4).toString('hex')}`);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, BB, ...args], { env: { ...process.env, BB_BENCH_RSS: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.on('exit', (code) => {
      const wall = performance.now() - t0;
      resolve({ wall, maxRss: existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim()) : NaN, code, out });
    });
  });
}

interface RunningMaster {
  child: ChildProcess;
  /** Spawn → "master started", in ms. */
  ready: number;
  log(): string;
  stop(): Promise<void>;
}

/** Spawns `bb master` and resolves when it has logged "master started". */
function startMaster(config: string, redisUrl: string, env: Record<string, string> = {}): Promise<RunningMaster> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BB, 'master', '--config', config, '--redis', redisUrl], {
      // debug: the master reports its memory trims (heap used and total).
      env: { ...process.env, BB_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let log = '';
    const exited = new Promise<void>((r) => child.once('exit', () => (live.delete(child), r())));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    const timer = setTimeout(() => reject(new Error(`the master did not log "master started" within 120 s:\n${log}`)), 120_000);
    const onData = (t: string) => {
      log += t;
      if (log.includes('"msg":"master started"')) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        child.stderr.on('data', (more: string) => (log += more));
        resolve({ child, ready: performance.now() - t0, log: () => log, stop });
      }
    };
    child.stderr.setEncoding('utf8').on('data', onData);
    child.stdout.resume();
    child.once('exit', (code) => reject(new Error(`the master exited (${code}) before it was ready:\n${log}`)));
  });
}

function rssKib(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

function writeMasterConfig(name: string, prefix: string, extra = ''): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineConfig } from ${JSON.stringify(join(PACKAGE_ROOT, 'src/config/define.ts'))};
export default defineConfig({
  redis: { prefix: '${prefix}' },
  basedir: ${JSON.stringify(join(dir, name))},
  executors: [{ name: 'e1', secret: '${SECRET}' }],
  builders: ['b1', 'b2', 'b3', 'b4'].map((name) => ({ name, executors: ['e1'], steps: [{ type: 'shell', name: 'noop', command: ['true'] }] })),
  schedulers: [
    { type: 'single-branch', name: 'main', branch: 'main', treeStableTimer: 0, builders: ['b1', 'b2', 'b3', 'b4'] },
    { type: 'nightly', name: 'nightly', branch: 'main', hour: 3, minute: 0, builders: ['b1'] },
    { type: 'force', name: 'force', builders: ['b1', 'b2', 'b3', 'b4'] },
  ],
${extra}});
`,
  );
  return file;
}

/** The V8 heap the master reported at its last memory trim (debug log), or why there is none. */
function lastTrim(log: string): string {
  const lines = log.split('\n').filter((l) => l.includes('"msg":"memory trimmed while idle"'));
  if (!lines.length) return 'no trim yet';
  const t = JSON.parse(lines[lines.length - 1]!) as { heapUsed: number; heapTotal: number; youngAfter: number };
  return `V8 heap at the last trim: used ${mib(t.heapUsed / 1024)} of ${mib(t.heapTotal / 1024)}, young generation ${mib(t.youngAfter / 1024)}`;
}

/** Starts a master `STARTS` times on `config`; prints the median start to ready and the RSS of the last, at ready and idle. */
async function measureMaster(label: string, config: string, redisUrl: string, env: Record<string, string> = {}): Promise<void> {
  const readies: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const m = await startMaster(config, redisUrl, env);
    readies.push(m.ready);
    if (i === STARTS - 1) {
      const atReady = rssKib(m.child.pid!);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      console.log(
        `master ${label}: start to ready median ${ms(med(readies))} (of ${STARTS}: ${readies.map((x) => x.toFixed(0)).join(', ')} ms); ` +
          `RSS at ready ${mib(atReady)}, idle after ${IDLE_MS / 1000} s: ${mib(rssKib(m.child.pid!))} (${lastTrim(m.log())})`,
      );
    }
    await m.stop();
  }
}

async function main(): Promise<void> {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  const prefix = `bench-rt-${randomBytes(3).toString('hex')}`;
  const conn = new Redis(redis.url);
  console.log(`${BB}; node ${process.version}; ${RUNS} runs per CLI figure (median), ${STARTS} master starts per set-up`);

  // 1. bb --version.
  {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await runBb(['--version']));
    if (runs.some((r) => r.code !== 0)) throw new Error(`bb --version failed: ${runs.find((r) => r.code !== 0)!.out}`);
    console.log(`bb --version: median ${ms(med(runs.map((r) => r.wall)))}, max RSS median ${mib(med(runs.map((r) => r.maxRss)))}`);
  }

  // 2. Master without chat, then bb sendchange against it.
  const plain = writeMasterConfig('plain', prefix);
  await measureMaster('without chat', plain, redis.url);
  {
    const m = await startMaster(plain, redis.url);
    const lastChange = async () => Number((await conn.get(`${prefix}:db:seq:change`)) ?? 0);
    const walls: number[] = [];
    const stored: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await lastChange();
      const t0 = performance.now();
      const r = await runBb(['sendchange', '--redis', redis.url, '--prefix', prefix, '--who', 'Brian Warner <warner@example.org>', '-b', 'main', '-r', (0xabc000 + i).toString(16), '-f', 'src/a.c']);
      if (r.code !== 0) throw new Error(`bb sendchange failed: ${r.out}`);
      walls.push(r.wall);
      rss.push(r.maxRss);
      while ((await lastChange()) <= before) await new Promise((res) => setTimeout(res, 1));
      stored.push(performance.now() - t0);
    }
    console.log(`bb sendchange: median ${ms(med(walls))} to exit, ${ms(med(stored))} until the master stored the change; max RSS median ${mib(med(rss))}`);
    await m.stop();
  }

  // 3. Masters with chat, each where its server is installed here.
  const stops: Array<() => Promise<void>> = [];
  const chat: string[] = [];
  const env: Record<string, string> = {};
  if (CHAT.includes('irc')) {
    const { startIrcd } = await import('../test/harness/ircd.js');
    const ircd = await startIrcd();
    stops.push(() => ircd.stop());
    chat.push(`irc: { host: '127.0.0.1', port: ${ircd.port}, tls: false, nick: 'bbbench', channels: ['#bench'] },`);
  }
  if (CHAT.includes('matrix')) {
    const { startSynapse, SYNAPSE_PYTHON } = await import('../test/harness/synapse.js');
    if (!existsSync(SYNAPSE_PYTHON)) {
      console.log('matrix: skipped (no Synapse venv: scripts/setup-synapse.sh makes one)');
    } else {
      const synapse = await startSynapse();
      stops.push(() => synapse.stop());
      const password = randomBytes(12).toString('hex');
      await synapse.registerUser('bb', password);
      env.BB_BENCH_MX_PASSWORD = password;
      chat.push(`matrix: { homeserverUrl: '${synapse.url}', login: { user: 'bb', password: { env: 'BB_BENCH_MX_PASSWORD' } } },`);
    }
  }
  if (chat.length) {
    const withChat = writeMasterConfig('chat', prefix, `  chat: {\n    botName: 'bb',\n    ${chat.join('\n    ')}\n  },\n`);
    await measureMaster(`with chat (${CHAT.filter((c) => c !== 'matrix' || env.BB_BENCH_MX_PASSWORD).join(' + ')})`, withChat, redis.url, env);
  }
  for (const stop of stops) await stop();

  await deleteAll(conn, prefix);
  conn.disconnect();
  redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  for (const c of live) c.kill('SIGKILL');
  process.exit(1);
});
