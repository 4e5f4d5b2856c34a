/**
 * Scale benchmark: build throughput with 1, 2, 4 and 8 executors (each its own process, the same
 * slots each), and where the limit then lies (the master's CPU, Redis's CPU from INFO cpu, or the
 * machine); then change intake through webhooks with 1 and 2 masters (the second a standby, which
 * takes webhooks while the first leads).
 *
 *   npm run bench:scale
 *   BENCH_SCALE_EXECUTORS=1,2,4,8 BENCH_SLOTS=2 BENCH_BUILDSETS=150 BENCH_CHANGES=2000 npm run bench:scale
 *
 * It starts a private redis-server (or uses $REDIS_URL) and runs bb as separate processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Store } from '../src/data/store.js';
import { BbClient } from '../src/queue/client.js';
import { startPrivateRedis } from '../src/demo/redis.js';
import { freePort } from '../src/util/net.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { deleteAll } from './prefix-lib.js';

const COUNTS = (process.env.BENCH_SCALE_EXECUTORS ?? '1,2,4,8').split(',').map(Number);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 2);
const N_BUILDSETS = Number(process.env.BENCH_BUILDSETS ?? 150);
const N_CHANGES = Number(process.env.BENCH_CHANGES ?? 2000);
const MASTERS = (process.env.BENCH_SCALE_MASTERS ?? '1,2').split(',').map(Number);
const BUILDERS = ['b1', 'b2', 'b3', 'b4'];
const SECRET = randomBytes(16).toString('hex');
const HOOK_SECRET = randomBytes(16).toString('hex');
const TICK = 100; // clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux)

const children = new Set<ChildProcess>();
// The processes' warnings go to a file, so the tables stay readable (its path is printed).
const LOG = join(mkdtempSync(join(tmpdir(), 'bb-scale-log-')), 'processes.log');
const logFd = openSync(LOG, 'a');
function spawnBb(args: string[], env: Record<string, string> = {}): ChildProcess {
  const c = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/bb.js'), ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, BB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', logFd],
  });
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 600_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** CPU seconds a process has used so far (user + system). */
function procCpu(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineCpu(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = v.map(Number);
  const idle = n[3]! + (n[4] ?? 0);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function redisCpu(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

interface Sample {
  at: number;
  master: number;
  executors: number;
  redis: number;
  machine: { busy: number; total: number };
}

async function sample(r: Redis, master: number[], executors: number[]): Promise<Sample> {
  return {
    at: performance.now(),
    master: master.reduce((s, p) => s + procCpu(p), 0),
    executors: executors.reduce((s, p) => s + procCpu(p), 0),
    redis: await redisCpu(r),
    machine: machineCpu(),
  };
}

function usage(a: Sample, b: Sample) {
  const secs = (b.at - a.at) / 1000;
  const pct = (x: number) => Math.round((100 * x) / secs);
  return {
    master: pct(b.master - a.master),
    executors: pct(b.executors - a.executors),
    redis: pct(b.redis - a.redis),
    machine: Math.round((100 * (b.machine.busy - a.machine.busy)) / (b.machine.total - a.machine.total)),
  };
}

function writeConfig(dir: string, prefix: string, executors: string[], httpPort?: number, name = 'bench.ts'): string {
  const path = join(dir, name);
  const http = httpPort ? `http: { host: '127.0.0.1', port: ${httpPort}, webhooks: { generic: { secret: { value: '${HOOK_SECRET}' } } } },` : '';
  writeFileSync(
    path,
    `export default {
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  collapseRequests: false,
  ${http}
  executors: ${JSON.stringify(executors.map((n) => ({ name: n, secret: SECRET })))},
  builders: ${JSON.stringify(BUILDERS)}.map((name) => ({ name, executors: ${JSON.stringify(executors)}, steps: [{ type: 'shell', name: 'noop', command: ['true'] }] })),
  schedulers: [{ type: 'single-branch', name: 'intake', branch: 'intake', treeStableTimer: 60, builders: ['b1'] }],
};\n`,
  );
  return path;
}

/** Build throughput with `n` executor processes. */
async function builds(url: string, r: Redis, n: number): Promise<string> {
  const prefix = `scale-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'bb-scale-'));
  const names = Array.from({ length: n }, (_, i) => `e${i + 1}`);
  const store = new Store(new Redis(url), prefix);
  const client = new BbClient(url, prefix);
  const master = spawnBb(['master', '--config', writeConfig(dir, prefix, names), '--redis', url]);
  await until('master', async () => (await store.configSummary()) !== null, 60_000);
  const execs = names.map((e) => spawnBb(['executor', '--name', e, '--redis', url, '--prefix', prefix, '--basedir', join(dir, e), '--slots', String(SLOTS)], { BB_EXECUTOR_SECRET: SECRET }));
  await until('executors', async () => (await store.getExecutors(names)).every((x) => x.state === 'connected'), 120_000);
  const s0 = await sample(r, [master.pid!], execs.map((e) => e.pid!));
  const t0 = Date.now();
  for (let i = 0; i < N_BUILDSETS; i++) {
    await store.createBuildSet({ reason: 'bench', scheduler: 'bench', sourcestamp: { repository: '', project: '', branch: 'main', changeIds: [] }, builders: BUILDERS, properties: {}, priority: 0 });
  }
  // The distributor reacts to its master's own bus: a change wakes it.
  await client.sendChange({ author: 'kick <k@example.org>', branch: 'main', files: ['x'], revision: 'fffffff0' });
  await until('all builds finished', async () => {
    const last = await Promise.all(BUILDERS.map(async (b) => (await store.lastBuilds(b, 1))[0]));
    return last.every((b) => b && b.number >= N_BUILDSETS && b.state === 'finished') && (await store.activeBuilds()).length === 0;
  });
  const s1 = await sample(r, [master.pid!], execs.map((e) => e.pid!));
  const all = (await Promise.all(BUILDERS.map((b) => store.lastBuilds(b, N_BUILDSETS)))).flat();
  const secs = (Math.max(...all.map((b) => b.finishedAt ?? 0)) - t0) / 1000;
  const notOk = all.filter((b) => b.result !== 'SUCCESS').length;
  const u = usage(s0, s1);
  const cores = cpus().length;
  const limit =
    u.master >= 85 ? 'the master (one core: its event loop)' : u.redis >= 85 ? 'Redis (one core)' : u.machine >= 85 ? `the machine (${cores} cores busy)` : 'nothing saturated: waits between processes';
  await stopAll();
  await client.close();
  await store.close();
  await deleteAll(r, prefix);
  return `| ${n} × ${SLOTS} | ${Math.round(all.length / secs)} | ${u.master} % | ${u.redis} % | ${u.executors} % | ${u.machine} % of ${cores} cores | ${loadavg()[0]!.toFixed(1)} | ${limit}${notOk ? ` (${notOk} not SUCCESS)` : ''} |`;
}

/** Change intake through the generic webhook, spread over `m` masters (one leads, the rest stand by). */
async function intake(url: string, r: Redis, m: number): Promise<string> {
  const prefix = `scale-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'bb-scale-'));
  const store = new Store(new Redis(url), prefix);
  const ports = await Promise.all(Array.from({ length: m }, () => freePort()));
  const masters = ports.map((port, i) => spawnBb(['master', '--config', writeConfig(dir, prefix, ['e1'], port, `master-${i}.ts`), '--redis', url]));
  for (const port of ports) {
    await until(`master on ${port}`, () => fetch(`http://127.0.0.1:${port}/healthz`).then((res) => res.ok, () => false), 60_000, 200);
  }
  const s0 = await sample(r, masters.map((x) => x.pid!), []);
  const t0 = performance.now();
  let next = 0;
  let refused = 0;
  const post = async (port: number) => {
    while (next < N_CHANGES) {
      const i = next++;
      const body = JSON.stringify({ changes: [{ author: `Dev ${i % 7} <dev${i % 7}@example.org>`, branch: 'intake', revision: (0x10000000 + i).toString(16), files: [`src/f${i}.c`] }] });
      const sig = createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
      const res = await fetch(`http://127.0.0.1:${port}/change_hook/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bb-signature': `sha256=${sig}` }, body });
      if (res.status !== 202) refused++;
      await res.arrayBuffer();
    }
  };
  // 32 senders, spread evenly over the masters' HTTP ports.
  await Promise.all(Array.from({ length: 32 }, (_, i) => post(ports[i % ports.length]!)));
  const answered = performance.now();
  await until('changes stored and classified', async () => (await store.lastChangeId()) >= N_CHANGES && (await store.schedulerCursor()) >= N_CHANGES);
  const done = performance.now();
  const s1 = await sample(r, masters.map((x) => x.pid!), []);
  const u = usage(s0, s1);
  await stopAll();
  await store.close();
  await deleteAll(r, prefix);
  return `| ${m} | ${Math.round(N_CHANGES / ((done - t0) / 1000))} | ${Math.round(N_CHANGES / ((answered - t0) / 1000))} | ${u.master} % | ${u.redis} % | ${u.machine} % |${refused ? ` ${refused} refused |` : ''}`;
}

async function main(): Promise<void> {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  const r = new Redis(redis.url);
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${N_BUILDSETS} build sets × ${BUILDERS.length} builders, no-op step; ${N_CHANGES} changes by webhook`);
  console.log('\n| executors × slots | builds/s | master CPU (% of a core) | Redis CPU | executors CPU (all) | machine | load | the limit |\n|---|---|---|---|---|---|---|---|');
  for (const n of COUNTS) console.log(await builds(redis.url, r, n));
  console.log('\n| masters taking webhooks | changes/s (stored and classified) | webhook answers/s | masters CPU (% of a core) | Redis CPU | machine |\n|---|---|---|---|---|---|');
  for (const m of MASTERS) console.log(await intake(redis.url, r, m));
  console.log(`\nwarnings and errors of the bb processes: ${LOG}; machine load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  r.disconnect();
  redis.stop();
}

main().catch(async (err) => {
  console.error(err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
