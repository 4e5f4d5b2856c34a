/**
 * The web pages at scale: BENCH_BUILDERS builders (default 1,000) with BENCH_BUILDS builds of
 * history (default 100,000; the newest 8 revisions built by every builder, one build in 50 of
 * them failing, so `/` shows a full grid) written through the store's real write path, served by the master's
 * HTTP server with the pages. Prints p50/p95 of `/` and of build pages (HTTP request to last byte,
 * server-side rendering included): one request at a time ("idle": nothing else runs in the bench;
 * the machine's load average is printed with it) and "busy" (4 clients at once while builds are
 * written through the store, so the console's data keeps changing); the page weight of `/` (HTML +
 * CSS + JS), the first screen of a BENCH_LOG_LINES-line log (default 200,000), and the live-log
 * latency: a real master and executor run a step that prints its clock, first after pauses of
 * 200 ms, then every 20 ms (dense); an SSE client (as the build page's script) takes each line's
 * arrival time minus the time printed in it, and the bench counts the executor's messages and the
 * Redis commands the dense part cost.
 *
 *   npm run bench:web
 *   BENCH_BUILDERS=100 BENCH_BUILDS=5000 BENCH_RUNS=50 npm run bench:web
 */
import { Redis } from 'ioredis';
import { get } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis } from '../src/demo/redis.js';
import { Store } from '../src/data/store.js';
import { validateConfig } from '../src/config/validate.js';
import { createLogger } from '../src/log.js';
import { WebhookServer } from '../src/http/server.js';
import { webHandler } from '../src/web/index.js';
import { TierService } from '../src/tiers/service.js';
import { openProblemsByBuilder, openProblemsOn } from '../src/problems/index.js';
import { Master } from '../src/master.js';
import { startExecutor } from '../executor/executor.js';
import { BbClient } from '../src/queue/client.js';
import { executorEventsStreamKey } from '../src/queue/event-stream.js';
import { HistoryWriter } from '../test/harness/history.js';
import { PAGE_LINES } from '../src/web/log-page.js';
import { STEP_LINES } from '../src/web/build-page.js';

const BUILDERS = Number(process.env.BENCH_BUILDERS ?? 1000);
const BUILDS = Number(process.env.BENCH_BUILDS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const LOG_LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const LIVE_LINES = Number(process.env.BENCH_LIVE_LINES ?? 200);
/** The executor's batch window (its default when unset): BENCH_FLUSH_MS=100 shows what dense output costs at the old window. */
const FLUSH_MS = process.env.BENCH_FLUSH_MS ? Number(process.env.BENCH_FLUSH_MS) : undefined;
const SECRET = 'bench-web-secret-0123456789';
const quiet = createLogger('bench', { level: 'silent' });

function fetch(port: number, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: performance.now() - t, bytes, status: res.statusCode ?? 0 }));
    }).on('error', reject);
  });
}

function body(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const f1 = (n: number) => n.toFixed(1);
const load = () => `load average ${loadavg()[0]!.toFixed(1)}`;

async function timed(port: number, paths: () => string, runs: number, clients = 1): Promise<{ p50: number; p95: number; bytes: number; cpu: number }> {
  for (let i = 0; i < Math.min(10, runs); i++) await fetch(port, paths());
  const ms: number[] = [];
  let bytes = 0;
  let left = runs;
  const cpu0 = process.cpuUsage();
  const client = async () => {
    while (left-- > 0) {
      const path = paths();
      const r = await fetch(port, path);
      if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}`);
      ms.push(r.ms);
      bytes = r.bytes;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const cpu = process.cpuUsage(cpu0);
  return { p50: pct(ms, 50), p95: pct(ms, 95), bytes, cpu: (cpu.user + cpu.system) / 1000 / runs };
}

/** Builds written one after another through the store (each emits the events the console follows) until stopped. */
function writing(store: Store, names: string[]): { stop: () => Promise<number> } {
  const writer = new HistoryWriter(store, { chunks: 2, tests: 2 });
  let on = true;
  let n = 0;
  const t = performance.now();
  const done = (async () => {
    while (on) {
      await writer.build(names[Math.floor(Math.random() * names.length)]!);
      n += 1;
    }
  })();
  return { stop: async () => ((on = false), await done, (n * 1000) / (performance.now() - t)) };
}

function configFor(builders: string[], extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-web-'));
  const raw = {
    title: 'bench',
    titleUrl: 'http://127.0.0.1',
    redis: { prefix: 'bench' },
    basedir: join(dir, 'master'),
    executors: [{ name: 'a', secret: SECRET }],
    builders: builders.map((name, i) => ({ name, executors: ['a'], category: `group-${i % 10}`, tier: i % 5 ? 'supported' : 'unsupported', steps: [{ type: 'shell', name: 'test', command: 'true' }] })),
    schedulers: [{ type: 'force', name: 'force', builders }],
    http: { host: '127.0.0.1', port: 0 },
    ...extra,
  };
  return { dir, ...validateConfig(raw, { file: 'bench', baseDir: dir }) };
}

/** The newest revisions every builder built (the console's columns), one in 50 of those builds failing. */
const SHARED_REVISIONS = 8;

async function history(store: Store, names: string[]): Promise<void> {
  const writer = new HistoryWriter(store, { chunks: 10, tests: 20 });
  let i = 0;
  const t = Date.now();
  // The last builds are the newest revisions built by every builder, as a console sees them.
  const shared = Math.max(0, BUILDS - SHARED_REVISIONS * names.length);
  const worker = async () => {
    while (i < BUILDS) {
      const n = i++;
      const tail = n - shared;
      await writer.build(names[n % names.length]!, true, tail < 0 ? {} : { revision: `feed${String(Math.floor(tail / names.length)).padStart(4, '0')}`, result: tail % 50 === 7 ? 'FAILURE' : 'SUCCESS' });
      if ((n + 1) % 10_000 === 0) console.log(`  ${n + 1} builds written (${f1((Date.now() - t) / 1000)} s)`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  console.log(`history: ${BUILDS} builds on ${names.length} builders written in ${f1((Date.now() - t) / 1000)} s`);
}

/** A build whose first step has a LOG_LINES-line log, in chunks of 100 lines (as an executor batches). */
async function bigLog(store: Store, builder: string): Promise<number> {
  const writer = new HistoryWriter(store, { chunks: 0, tests: 0 });
  const b = await writer.build(builder, false);
  const perChunk = 100;
  for (let line = 0; line < LOG_LINES; ) {
    const events = [];
    for (let k = 0; k < 100 && line < LOG_LINES; k++) {
      let text = '';
      for (let j = 0; j < perChunk && line < LOG_LINES; j++, line++) text += `\x1b[32mline ${line + 1}\x1b[0m of a long log ${'x'.repeat(40)}\n`;
      events.push({ type: 'log' as const, step: 0, stream: 'stdout' as const, text });
    }
    await store.applyBuildEvents(b.id, b.token, events);
  }
  await store.applyBuildEvents(b.id, b.token, [{ type: 'build-finished', result: 'SUCCESS' }]);
  return b.number;
}

async function renderBench(): Promise<void> {
  const server = await startPrivateRedis();
  const redis = new Redis(server.url);
  try {
    const names = Array.from({ length: BUILDERS }, (_, i) => `builder-${String(i).padStart(4, '0')}`);
    const { config } = configFor(names);
    const store = new Store(redis, 'bench');
    await history(store, names);
    const problems = { openOn: (b: string) => openProblemsOn(store, b), openAll: () => openProblemsByBuilder(store) };
    const tiers = new TierService({ store, config, problems });
    const pages = webHandler({ store, config, tiers, tierInfo: () => tiers.overrides.tiers(), now: Date.now }, quiet);
    const http = new WebhookServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, replayWindowSec: 3600, hooks: new Map(), intake: async () => 0, log: quiet, pages });
    const { port } = await http.start();
    const perBuilder = Math.max(1, Math.floor(BUILDS / names.length));
    const cold = await fetch(port, '/?fresh');
    console.log(`GET / first, its builds read from Redis   ${f1(cold.ms)} ms  (then kept in memory from the build events)`);
    const homeLoad = load();
    const home = await timed(port, () => '/?fresh', RUNS);
    const shared = await timed(port, () => '/', RUNS);
    const css = await fetch(port, '/static/bb.css');
    const js = await fetch(port, '/static/bb.js');
    // What the idle console shows (before the busy part writes builds of new revisions).
    const console_ = await body(port, '/');
    const shown = new Set(console_.match(/href="?\/builders\/[^"/> ]+"?>/g) ?? []).size;
    const cols = (console_.match(/<th><code>/g) ?? []).length;
    const failing = (console_.match(/<td class="r-FAILURE">/g) ?? []).length;
    const buildPath = () => `/builders/${names[Math.floor(Math.random() * names.length)]}/builds/${1 + Math.floor(Math.random() * perBuilder)}`;
    const buildLoad = load();
    const build = await timed(port, buildPath, RUNS);
    // Busy: 4 clients at once while builds are written through the store (the console's data changes all the time).
    let w = writing(store, names);
    const busyHome = await timed(port, () => '/?fresh', RUNS, 4);
    const busySharedLoad = load();
    const busyShared = await timed(port, () => '/', RUNS, 4);
    const homeRate = await w.stop();
    w = writing(store, names);
    const busyBuild = await timed(port, buildPath, RUNS, 4);
    const buildRate = await w.stop();
    console.log(`GET / idle                p50 ${f1(home.p50)} ms  p95 ${f1(home.p95)} ms  (${RUNS} requests one at a time, rendered afresh, ${BUILDERS} builders; ${f1(home.cpu)} ms CPU each in this process; ${homeLoad})`);
    console.log(`GET / busy                p50 ${f1(busyHome.p50)} ms  p95 ${f1(busyHome.p95)} ms  (${RUNS} requests, 4 at once, rendered afresh, while ${f1(homeRate)} builds/s are written; ${busySharedLoad})`);
    console.log(`GET / shared by viewers   p50 ${f1(shared.p50)} ms  p95 ${f1(shared.p95)} ms idle; p50 ${f1(busyShared.p50)} ms  p95 ${f1(busyShared.p95)} ms busy  (rendered once until the data changes)`);
    console.log(`page weight of /          ${f1((home.bytes + css.bytes + js.bytes) / 1024)} KB (HTML ${f1(home.bytes / 1024)} + CSS ${f1(css.bytes / 1024)} + JS ${f1(js.bytes / 1024)}), uncompressed`);
    console.log(`console grid              ${shown} of ${BUILDERS} builders × ${cols} revisions${console_.includes('class="grid compact"') ? ' (compact)' : ''}, ${failing} failing cells linked`);
    if (shown !== BUILDERS) throw new Error(`the console shows ${shown} of ${BUILDERS} builders`);
    console.log(`GET a build page idle     p50 ${f1(build.p50)} ms  p95 ${f1(build.p95)} ms  (${RUNS} random builds of ${BUILDS}, one at a time; ${f1(build.cpu)} ms CPU each; ${buildLoad})`);
    console.log(`GET a build page busy     p50 ${f1(busyBuild.p50)} ms  p95 ${f1(busyBuild.p95)} ms  (4 at once while ${f1(buildRate)} builds/s are written)`);
    const n = await bigLog(store, names[0]!);
    const first = await timed(port, () => `/builders/${names[0]}/builds/${n}/steps/0/log`, Math.min(RUNS, 20));
    const page = await timed(port, () => `/builders/${names[0]}/builds/${n}`, Math.min(RUNS, 20));
    console.log(`${LOG_LINES}-line log: first screen (${PAGE_LINES} lines) p50 ${f1(first.p50)} ms, ${f1(first.bytes / 1024)} KB; its build page (${STEP_LINES} lines of it) p50 ${f1(page.p50)} ms`);
    await http.stop();
  } finally {
    await redis.quit();
    server.stop();
  }
}

/**
 * A real master and executor. Once the SSE client is connected the step prints its clock: SPARSE
 * lines 200 ms apart (each the first output after a pause), then LIVE_LINES lines 20 ms apart (dense).
 */
async function liveBench(): Promise<void> {
  const server = await startPrivateRedis();
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-live-'));
  const go = join(dir, 'go');
  const sparse = Math.max(5, Math.round(LIVE_LINES / 4));
  const cmd = `while [ ! -f ${go} ]; do sleep 0.02; done; i=0; while [ $i -lt ${sparse} ]; do i=$((i+1)); sleep 0.2; echo "s $(date +%s%3N)"; done; ` +
    `i=0; while [ $i -lt ${LIVE_LINES} ]; do i=$((i+1)); echo "d $(date +%s%3N)"; sleep 0.02; done`;
  const { config, secrets } = configFor(['live'], {});
  config.builders[0]!.steps = [{ ...config.builders[0]!.steps[0]!, command: cmd } as (typeof config.builders)[0]['steps'][0]];
  const master = new Master({ config, secrets, redisUrl: server.url, logger: quiet, baseDir: dir });
  await master.start();
  const exec = await startExecutor({ name: 'a', secret: SECRET, redisUrl: server.url, prefix: 'bench', basedir: join(dir, 'exec'), slots: 1, logger: quiet, ...(FLUSH_MS ? { flushMs: FLUSH_MS } : {}) });
  const client = new BbClient(server.url, 'bench');
  const redis = new Redis(server.url);
  try {
    await client.control({ v: 1, type: 'force', builders: ['live'], owner: 'bench' });
    let build;
    while (!(build = (await master.store.lastBuilds('live', 1))[0]) || build.state !== 'running') await new Promise((r) => setTimeout(r, 20));
    const port = master.http!.address!.port;
    const lat = { s: [] as number[], d: [] as number[] };
    const sse: number[] = [];
    // When the master stored each line (its data event), to split the latency into executor+queue and store→SSE.
    const storedAt = new Map<string, number>();
    master.store.bus.on('build.log', (_b, _s, text) => {
      for (const m of text.matchAll(/^[sd] (\d{13})$/gm)) storedAt.set(m[1]!, Date.now());
    });
    // The cost of the dense part: executor messages (entries ever added to its event stream) and Redis commands, from its first line to its last.
    const stream = executorEventsStreamKey('bench', 'a');
    const added = async () => {
      const info = (await redis.xinfo('STREAM', stream)) as unknown[];
      return Number(info[info.indexOf('entries-added') + 1] ?? 0);
    };
    const counters = async () => ({ t: performance.now(), msgs: await added(), cmds: Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0) });
    let first: Promise<{ t: number; msgs: number; cmds: number }> | undefined;
    let last: Promise<{ t: number; msgs: number; cmds: number }> | undefined;
    await new Promise<void>((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: `/builders/live/builds/${build.number}/events?s=0:0:1` }, (res) => {
        let buf = '';
        writeFileSync(go, '');
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          const now = Date.now();
          buf += c;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (ev.startsWith('event: end')) return (req.destroy(), resolve());
            if (!ev.startsWith('event: log')) continue;
            const data = JSON.parse(ev.slice(ev.indexOf('data: ') + 6)) as { lines: Array<[number, string]> };
            for (const [, html] of data.lines) {
              const m = /^([sd]) (\d{13})$/.exec(html);
              if (!m) continue;
              const kind = m[1] as 's' | 'd';
              lat[kind].push(now - Number(m[2]));
              if (kind === 'd' && lat.d.length === 1) first = counters();
              if (kind === 'd' && lat.d.length === LIVE_LINES) last = counters();
              const at = storedAt.get(m[2]!);
              if (at !== undefined) sse.push(now - at);
            }
          }
        });
      });
      req.on('error', reject);
    });
    const [a, b] = await Promise.all([first!, last!]);
    const secs = (b.t - a.t) / 1000;
    const lines = Math.max(1, LIVE_LINES - 1);
    console.log(`live log line after a pause, printed → on the SSE client: p50 ${f1(pct(lat.s, 50))} ms  p95 ${f1(pct(lat.s, 95))} ms  (${lat.s.length} lines 200 ms apart)`);
    console.log(`live log line, dense, printed → on the SSE client: p50 ${f1(pct(lat.d, 50))} ms  p95 ${f1(pct(lat.d, 95))} ms  (${lat.d.length} lines, one every 20 ms plus the shell's time; executor window ${FLUSH_MS ?? 'default'}; ${load()})`);
    console.log(`  its cost: ${f1((b.msgs - a.msgs) / secs)} executor messages/s, ${f1((b.cmds - a.cmds) / lines)} Redis commands a line (${b.msgs - a.msgs} messages, ${b.cmds - a.cmds} commands for ${lines} lines in ${f1(secs)} s)`);
    console.log(`live log line, stored by the master → on the SSE client: p50 ${f1(pct(sse, 50))} ms  p95 ${f1(pct(sse, 95))} ms`);
  } finally {
    await exec.stop();
    await master.stop();
    await client.close();
    await redis.quit();
    server.stop();
  }
}

await renderBench();
await liveBench();
