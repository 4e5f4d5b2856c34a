/**
 * Pipeline benchmark: prints change intake (changes/s), build throughput (builds/s), change →
 * build-started latency (median, p95) and the master's RSS idle and at peak.
 *
 *   npm run bench                     # defaults
 *   BENCH_CHANGES=5000 BENCH_BUILDSETS=500 npm run bench
 *
 * It starts a private redis-server (or uses $REDIS_URL), a master and two executors as separate
 * processes on this machine, and drives them the way `bb sendchange` does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Store } from '../src/data/store.js';
import { BbClient } from '../src/queue/client.js';
import { startPrivateRedis } from '../src/demo/redis.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { countCommands } from './redis-count-lib.js';

const ROOT = PACKAGE_ROOT;
const N_CHANGES = Number(process.env.BENCH_CHANGES ?? 5000);
const N_BUILDSETS = Number(process.env.BENCH_BUILDSETS ?? 500);
const N_LATENCY = Number(process.env.BENCH_LATENCY ?? 100);
const N_COUNTED = Number(process.env.BENCH_COUNTED ?? Math.min(20, N_BUILDSETS));
const SLOTS = Number(process.env.BENCH_SLOTS ?? 4);
const EXECUTORS = Array.from({ length: Number(process.env.BENCH_EXECUTORS ?? 2) }, (_, i) => `e${i + 1}`);
const SECRET = randomBytes(16).toString('hex');

const children: ChildProcess[] = [];
function spawnBb(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): ChildProcess {
  const c = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/bb.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, BB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(c);
  return c;
}

/**
 * CPU time (user + system, ms) of a process, and of its children it has waited for (a step's
 * processes); and their minor page faults (a fork makes the parent's pages copy-on-write, so they
 * count what forking a step costs, and unlike CPU time they do not move with the machine's load).
 */
function cpuMs(pid: number): { self: number; children: number; faults: number; childFaults: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / 100; // USER_HZ
  const r = { self: (Number(f[11]) + Number(f[12])) * tick, children: (Number(f[13]) + Number(f[14])) * tick, faults: Number(f[7]), childFaults: Number(f[8]) };
  // Children still running (an executor's step launchers) have not been waited for: their CPU and
  // that of the steps they ran is not in the figures above yet.
  for (const child of liveChildren(pid)) {
    try {
      const c = cpuMs(child);
      r.children += c.self + c.children;
      r.childFaults += c.faults + c.childFaults;
    } catch {
      // gone meanwhile: then it is in the parent's figures
    }
  }
  return r;
}

function liveChildren(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Write system calls (write, writev, send…) a process has made: /proc/<pid>/io `syscw` (each Redis round trip costs at least one). */
function writeCalls(pid: number): number {
  try {
    return Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function rssKb(pid: number): { rss: number; hwm: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: get('VmRSS'), hwm: get('VmHWM'), anon: get('RssAnon') };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 600_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'));
  const config = join(dir, 'bench.ts');
  const noop = "[{ type: 'shell', name: 'noop', command: ['true'] }]";
  writeFileSync(
    config,
    `export default {
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  // Every build set must really build (identical pending ones would otherwise collapse into one).
  collapseRequests: false,
  executors: ${JSON.stringify(EXECUTORS.map((name) => ({ name, secret: SECRET })))},
  builders: ['b1', 'b2', 'b3', 'b4', 'lat'].map((name) => ({ name, executors: ${JSON.stringify(EXECUTORS)}, steps: ${noop} })),
  schedulers: [
    { type: 'single-branch', name: 'latency', branch: 'main', treeStableTimer: 0, builders: ['lat'] },
  ],
};\n`,
  );
  const conn = new Redis(redis.url);
  const store = new Store(conn, prefix);
  const client = new BbClient(redis.url, prefix);
  // BENCH_PROFILE=DIR writes V8 CPU profiles of the master and executors there.
  const prof = (who: string): string[] =>
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, `--cpu-prof-name=${who}.cpuprofile`] : [];
  /**
   * Whether builders b1–b4 have finished their build number `n` and nothing else of theirs runs.
   * This polling is measurement overhead, counted in Redis's CPU: one round trip (the newest build
   * of each builder, by one script) per poll, and the active builds only once those are done. It
   * polls every 100 ms; the throughput is timed by the builds' own finish times, not by the poll.
   */
  const allFinished = async (n: number): Promise<boolean> => {
    const newest = await store.builds.latestOf(['b1', 'b2', 'b3', 'b4'], 1);
    if (![...newest.values()].every(([b]) => b && b.number >= n && b.state === 'finished')) return false;
    return (await store.activeBuilds()).filter((x) => x.builder !== 'lat').length === 0;
  };
  const master = spawnBb(['master', '--config', config, '--redis', redis.url], {}, prof('master'));
  await until('master', async () => (await store.configSummary()) !== null, 60_000);
  // BENCH_EXECUTOR_NODE_OPTIONS: Node options for the executors alone (added to $NODE_OPTIONS), e.g.
  // `--max-semi-space-size=1` (see the README's systemd units).
  const execNodeOptions = process.env.BENCH_EXECUTOR_NODE_OPTIONS ?? '';
  for (const e of EXECUTORS) {
    spawnBb(
      ['executor', '--name', e, '--redis', redis.url, '--prefix', prefix, '--basedir', join(dir, e), '--slots', String(SLOTS)],
      { BB_EXECUTOR_SECRET: SECRET, NODE_OPTIONS: [process.env.NODE_OPTIONS, execNodeOptions].filter(Boolean).join(' ') },
      prof(e),
    );
  }
  await until('executors', async () => (await store.getExecutors(EXECUTORS)).filter((x) => x.state === 'connected').length === EXECUTORS.length, 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssKb(master.pid!);
  console.log(`machine: ${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, node ${process.version}; executors: ${EXECUTORS.length} × ${SLOTS} slots`);
  console.log(`master RSS idle: ${(idle.rss / 1024).toFixed(1)} MiB`);

  // 1. Change intake: sendchange's code path (BbClient.sendChange), 64 in flight, until stored and classified.
  {
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < N_CHANGES) {
        const i = next++;
        await client.sendChange({ author: `Dev ${i % 7} <dev${i % 7}@example.org>`, files: [`src/f${i}.c`], branch: 'intake', revision: (i + 1).toString(16).padStart(8, 'a') });
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    const queued = performance.now();
    await until('changes stored', async () => (await store.lastChangeId()) >= N_CHANGES && (await store.schedulerCursor()) >= N_CHANGES);
    const done = performance.now();
    console.log(`change intake: ${N_CHANGES} changes in ${((done - t0) / 1000).toFixed(2)} s = ${Math.round(N_CHANGES / ((done - t0) / 1000))} changes/s (queueing alone: ${Math.round(N_CHANGES / ((queued - t0) / 1000))}/s)`);
  }

  // 2. Build throughput: N build sets × 4 builders with a no-op step.
  {
    const before = await store.lastBuilds('b1', 1);
    const execs = children.slice(1).map((c) => c.pid!);
    const redisCpu = async () => {
      const info = await conn.info('cpu');
      const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
    };
    const cpu0 = { master: cpuMs(master.pid!).self, exec: execs.map(cpuMs), redis: await redisCpu() };
    const writes0 = { master: writeCalls(master.pid!), exec: execs.map(writeCalls) };
    const t0 = Date.now();
    for (let i = 0; i < N_BUILDSETS; i++) {
      await store.createBuildSet({
        reason: 'bench',
        scheduler: 'bench',
        sourcestamp: { repository: '', project: '', branch: 'main', changeIds: [] },
        builders: ['b1', 'b2', 'b3', 'b4'],
        properties: {},
        priority: 0,
      });
    }
    // The master's distributor reacts to its own bus, not to writes from this process: nudge it by a change build.
    await client.sendChange({ author: 'kick <k@example.org>', branch: 'main', files: ['x'], revision: 'fffffff0' });
    const total = N_BUILDSETS * 4;
    const from = before[0]?.id ?? 0;
    await until('all builds finished', () => allFinished(N_BUILDSETS), 600_000, 100);
    const failed = (await Promise.all(['b1', 'b2', 'b3', 'b4'].map((b) => store.lastBuilds(b, N_BUILDSETS)))).flat().filter((b) => b.id > from && b.result !== 'SUCCESS').length;
    const all = (await Promise.all(['b1', 'b2', 'b3', 'b4'].map((b) => store.lastBuilds(b, N_BUILDSETS)))).flat().filter((b) => b.id > from);
    const secs = (Math.max(...all.map((b) => b.finishedAt ?? 0)) - t0) / 1000;
    const med = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);
    const byExecBuilder = new Map<string, typeof all>();
    for (const b of all) byExecBuilder.set(`${b.executor}/${b.builder}`, [...(byExecBuilder.get(`${b.executor}/${b.builder}`) ?? []), b]);
    const gaps = [...byExecBuilder.values()].flatMap((list) => {
      const sorted = list.sort((a, b) => a.dispatchedAt - b.dispatchedAt);
      return sorted.slice(1).map((b, i) => b.dispatchedAt - sorted[i]!.finishedAt!);
    });
    console.log(
      `  per build (median): dispatch→started ${med(all.map((b) => b.startedAt! - b.dispatchedAt))} ms, started→finished ${med(all.map((b) => b.finishedAt! - b.startedAt!))} ms, finished→next dispatch on that executor and builder ${med(gaps)} ms`,
    );
    const execNow = execs.map(cpuMs);
    const perBuild = (ms: number) => (ms / total).toFixed(2);
    console.log(
      `  CPU per build: master ${perBuild(cpuMs(master.pid!).self - cpu0.master)} ms, executor ${perBuild(execNow.reduce((a, c, i) => a + c.self - cpu0.exec[i]!.self, 0))} ms, its step processes ${perBuild(execNow.reduce((a, c, i) => a + c.children - cpu0.exec[i]!.children, 0))} ms, Redis ${perBuild((await redisCpu()) - cpu0.redis)} ms (this bench's polling included)`,
    );
    console.log(
      `  minor page faults per build: executor ${perBuild(execNow.reduce((a, c, i) => a + c.faults - cpu0.exec[i]!.faults, 0))}, its step processes ${perBuild(execNow.reduce((a, c, i) => a + c.childFaults - cpu0.exec[i]!.childFaults, 0))}`,
    );
    console.log(`  executor RSS at the end: ${execs.map((pid) => `${(rssKb(pid).rss / 1024).toFixed(1)} MiB (anonymous ${(rssKb(pid).anon / 1024).toFixed(1)})`).join(', ')}`);
    console.log(
      `  write system calls per build: master ${perBuild(writeCalls(master.pid!) - writes0.master)}, executor ${perBuild(execs.reduce((a, pid, i) => a + writeCalls(pid) - writes0.exec[i]!, 0))} (/proc/<pid>/io syscw; every Redis round trip costs one)`,
    );
    console.log(`build throughput: ${total} builds (${N_BUILDSETS} build sets × 4 builders, no-op step) in ${secs.toFixed(2)} s = ${Math.round(total / secs)} builds/s; not SUCCESS: ${failed}`);
  }

  // 2b. Redis commands per build: a small round of build sets under MONITOR (which slows Redis, so not timed).
  if (N_COUNTED > 0) {
    const count = await countCommands(redis.url, { master: master.pid!, executor: children.slice(1).map((c) => c.pid!) });
    const before = (await store.lastBuilds('b4', 1))[0]?.number ?? 0;
    for (let i = 0; i < N_COUNTED; i++) {
      await store.createBuildSet({ reason: 'bench', scheduler: 'bench', sourcestamp: { repository: '', project: '', branch: 'main', changeIds: [] }, builders: ['b1', 'b2', 'b3', 'b4'], properties: {}, priority: 0 });
    }
    await client.sendChange({ author: 'kick <k@example.org>', branch: 'main', files: ['x'], revision: 'fffffff1' });
    await until('counted builds finished', () => allFinished(before + N_COUNTED), 600_000, 100);
    const c = await count.stop();
    const builds = N_COUNTED * 4 + 1;
    const per = (n: number) => (n / builds).toFixed(1);
    console.log(
      `Redis commands per build: ${per(c.master + c.executor)} (master ${per(c.master)}, executor ${per(c.executor)}; ${per(c.lua)} more run inside Lua scripts; ${builds} builds under MONITOR, heartbeats included)`,
    );
    console.log(`  most sent: ${c.top.map(([cmd, n]) => `${cmd} ${per(n)}`).join(', ')}`);
  }

  // 3. Latency: change sent → build started, with idle executors, one at a time.
  {
    await until('idle', async () => (await store.activeBuilds()).length === 0 && (await store.pendingCount(['b1', 'b2', 'b3', 'b4', 'lat'])) === 0);
    const lat: number[] = [];
    for (let i = 0; i < N_LATENCY; i++) {
      const have = (await store.lastBuilds('lat', 1))[0]?.number ?? 0;
      const sent = Date.now();
      await client.sendChange({ author: 'Lat <lat@example.org>', branch: 'main', files: ['src/l.c'], revision: (0xbeef0000 + i).toString(16) });
      let started = 0;
      await until('latency build', async () => {
        const b = (await store.lastBuilds('lat', 1))[0];
        if (b && b.number > have && b.startedAt && b.state === 'finished') {
          started = b.startedAt;
          return true;
        }
        return false;
      });
      lat.push(started - sent);
    }
    lat.sort((a, b) => a - b);
    console.log(`change → build started: median ${pct(lat, 50)} ms, p95 ${pct(lat, 95)} ms, max ${lat[lat.length - 1]} ms (${N_LATENCY} changes, one at a time)`);
  }

  const peak = rssKb(master.pid!);
  console.log(`master RSS now: ${(peak.rss / 1024).toFixed(1)} MiB, peak (VmHWM): ${(peak.hwm / 1024).toFixed(1)} MiB`);
  // Stop the master and executors cleanly (they flush profiles and say goodbye) before Redis goes.
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
  await client.close();
  conn.disconnect();
  redis.stop();
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
