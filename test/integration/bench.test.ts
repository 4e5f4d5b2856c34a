import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/bb.js';
import { testRedis } from '../harness/redis.js';

/**
 * Every benchmark, at a tiny size, as `npm run bench*` runs it (the compiled dist/bench/*.js), so
 * none can rot unnoticed. Each must finish and print its figures; how fast it is is never asserted.
 */
function runBench(file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/bench', file)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const figure = '\\d+(\\.\\d+)?';

describe('benchmarks at a tiny size', () => {
  it('bench:pipeline (npm run bench): change intake, build throughput, change → build started, master RSS', async () => {
    const { url } = await testRedis();
    const r = await runBench('pipeline.js', { REDIS_URL: url, BENCH_CHANGES: '20', BENCH_BUILDSETS: '3', BENCH_LATENCY: '2', BENCH_EXECUTORS: '1', BENCH_SLOTS: '2' });
    expect(r.out).toMatch(new RegExp(`master RSS idle: ${figure} MiB`));
    expect(r.out).toMatch(new RegExp(`change intake: 20 changes in ${figure} s = ${figure} changes/s`));
    expect(r.out).toMatch(new RegExp(`build throughput: 12 builds .* = ${figure} builds/s; not SUCCESS: 0`));
    expect(r.out).toMatch(new RegExp(`CPU per build: master ${figure} ms, executor ${figure} ms, its step processes ${figure} ms, Redis ${figure} ms`));
    expect(r.out).toMatch(new RegExp(`minor page faults per build: executor ${figure}, its step processes ${figure}`));
    expect(r.out).toMatch(new RegExp(`executor RSS at the end: ${figure} MiB \\(anonymous ${figure}\\)`));
    expect(r.out).toMatch(new RegExp(`Redis commands per build: ${figure} \\(master ${figure}, executor ${figure}; ${figure} more run inside Lua scripts; 13 builds under MONITOR`));
    expect(r.out).toMatch(new RegExp(`change → build started: median ${figure} ms, p95 ${figure} ms`));
    expect(r.out).toMatch(new RegExp(`master RSS now: ${figure} MiB, peak \\(VmHWM\\): ${figure} MiB`));
    expect(r.code).toBe(0);
  }, 240_000);

  it('bench:scale: builds/s with 1 and 2 executor processes and where the limit lies, webhook intake with 1 and 2 masters', async () => {
    const { url } = await testRedis();
    const r = await runBench('scale.js', { REDIS_URL: url, BENCH_SCALE_EXECUTORS: '1,2', BENCH_SLOTS: '2', BENCH_BUILDSETS: '2', BENCH_CHANGES: '10', BENCH_SCALE_MASTERS: '1,2' });
    const pct = `${figure} %`;
    for (const n of [1, 2]) {
      expect(r.out).toMatch(new RegExp(`\\| ${n} × 2 \\| ${figure} \\| ${pct} \\| ${pct} \\| ${pct} \\| ${pct} of \\d+ cores \\| ${figure} \\| (the master|Redis|the machine|nothing saturated)[^|]* \\|\n`));
      expect(r.out).toMatch(new RegExp(`\\| ${n} \\| ${figure} \\| ${figure} \\| ${pct} \\| ${pct} \\| ${pct} \\|\n`));
    }
    expect(r.code).toBe(0);
  }, 300_000);

  it('bench:chat: status and last through the router', async () => {
    const { url } = await testRedis();
    const r = await runBench('chat.js', { REDIS_URL: url, BENCH_BUILDERS: '10', BENCH_CALLS: '5', BENCH_HISTORY: '50,100' });
    expect(r.out).toMatch(/history: 100 builds/);
    expect(r.out).toMatch(new RegExp(`status <builder>: median ${figure} ms, p95 ${figure} ms`));
    expect(r.out).toMatch(new RegExp(`last <builder>\\s*: median ${figure} ms`));
    expect(r.out).toMatch(new RegExp(`status \\(all\\)\\s*: median ${figure} ms`));
    expect(r.code).toBe(0);
  }, 120_000);

  it('bench:chat-irc: status said on a real InspIRCd, reply seen', async () => {
    const { url } = await testRedis();
    const r = await runBench('chat-irc.js', { REDIS_URL: url, BENCH_BUILDERS: '10', BENCH_CALLS: '2', BENCH_HISTORY: '50' });
    expect(r.out).toMatch(new RegExp(`status over IRC \\(said → reply seen\\): median ${figure} ms, p95 ${figure} ms`));
    expect(r.code).toBe(0);
  }, 120_000);

  it('bench:hassle: reminders through a real SMTP server', async () => {
    const { url } = await testRedis();
    const r = await runBench('hassle.js', { REDIS_URL: url, BENCH_PROBLEMS: '5' });
    expect(r.out).toMatch(new RegExp(`level 1 at master start \\(catch-up\\): 5 emails in ${figure} s = ${figure} reminders/s`));
    expect(r.out).toMatch(new RegExp(`level 2 after the clock moved 31 min: 5 emails in ${figure} s`));
    expect(r.out).toMatch(/emails total 10 \(expected 10\)/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('bench:runtime: bb --version, bb sendchange, master start to ready and idle RSS without and with chat', async () => {
    const { url } = await testRedis();
    const r = await runBench('runtime.js', { REDIS_URL: url, BENCH_RUNS: '1', BENCH_STARTS: '1', BENCH_IDLE_MS: '0', BENCH_CHAT: 'irc' });
    expect(r.out).toMatch(new RegExp(`bb --version: median ${figure} ms, max RSS median ${figure} MiB`));
    expect(r.out).toMatch(new RegExp(`master without chat: start to ready median ${figure} ms .*; RSS at ready ${figure} MiB, idle after 0 s: ${figure} MiB \\(no trim yet\\)`));
    expect(r.out).toMatch(new RegExp(`bb sendchange: median ${figure} ms to exit, ${figure} ms until the master stored the change; max RSS median ${figure} MiB`));
    expect(r.out).toMatch(new RegExp(`master with chat \\(irc\\): start to ready median ${figure} ms .*; RSS at ready ${figure} MiB, idle after 0 s: ${figure} MiB`));
    expect(r.code).toBe(0);
  }, 240_000);

  it('bench:retention: keys and memory with and without retention', async () => {
    const r = await runBench('retention.js', { BENCH_BUILDS: '20', BENCH_BUILDERS: '2', BENCH_PRUNE_EVERY: '10' });
    expect(r.out).toMatch(/retention soak: 20 builds over 2 builders/);
    expect(r.out).toMatch(new RegExp(`^\\s+20\\s+${figure}\\s+${figure}\\s+${figure}\\s+${figure}$`, 'm'));
    expect(r.code).toBe(0);
  }, 120_000);

  it('bench:junit: a JUnit report parsed in a worker thread and on the main thread', async () => {
    const r = await runBench('junit.js', { BENCH_CASES: '300' });
    expect(r.out).toMatch(new RegExp(`worker thread: ${figure} ms in all; longest main-thread stall meanwhile ${figure} ms`));
    expect(r.out).toMatch(new RegExp(`on the main thread: ${figure} ms blocked`));
    expect(r.code).toBe(0);
  }, 120_000);
});
