import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../harness/bb.js';

const run = promisify(execFile);

describe('bench:web (a tiny run)', () => {
  it('renders the console and build pages over history, idle and busy, a long log, and live log lines after a pause and dense through a real master and executor', async () => {
    // npm test compiles to dist first (scripts/test.sh), as `npm run bench:web` does.
    const { stdout } = await run(process.execPath, ['dist/bench/web.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_BUILDERS: '70', BENCH_BUILDS: '210', BENCH_RUNS: '5', BENCH_LOG_LINES: '3000', BENCH_LIVE_LINES: '10' },
    });
    expect(stdout).toMatch(/^history: 210 builds on 70 builders written in [\d.]+ s$/m);
    expect(stdout).toMatch(/^GET \/ first, its builds read from Redis +[\d.]+ ms/m);
    expect(stdout).toMatch(/^GET \/ idle +p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}\(5 requests one at a time, rendered afresh, 70 builders; [\d.]+ ms CPU each in this process; load average [\d.]+\)$/m);
    expect(stdout).toMatch(/^GET \/ busy +p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}\(5 requests, 4 at once, rendered afresh, while [\d.]+ builds\/s are written; load average [\d.]+\)$/m);
    expect(stdout).toMatch(/^GET \/ shared by viewers +p50 [\d.]+ ms {2}p95 [\d.]+ ms idle; p50 [\d.]+ ms {2}p95 [\d.]+ ms busy/m);
    expect(stdout).toMatch(/^page weight of \/ +[\d.]+ KB \(HTML [\d.]+ \+ CSS [\d.]+ \+ JS [\d.]+\), uncompressed$/m);
    // Every builder on the console, above 60 in the compact grid; the newest 3 revisions were built by all, one in 50 failing.
    expect(stdout).toMatch(/^console grid +70 of 70 builders × 3 revisions \(compact\), [1-9]\d* failing cells linked$/m);
    expect(stdout).toMatch(/^GET a build page idle +p50 [\d.]+ ms {2}p95 [\d.]+ ms/m);
    expect(stdout).toMatch(/^GET a build page busy +p50 [\d.]+ ms {2}p95 [\d.]+ ms/m);
    expect(stdout).toMatch(/^3000-line log: first screen \(2000 lines\) p50 [\d.]+ ms/m);
    expect(stdout).toMatch(/^live log line after a pause, printed → on the SSE client: p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}\(5 lines 200 ms apart\)$/m);
    expect(stdout).toMatch(/^live log line, dense, printed → on the SSE client: p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}\(10 lines, one every 20 ms/m);
    expect(stdout).toMatch(/^ {2}its cost: [\d.]+ executor messages\/s, [\d.]+ Redis commands a line \(\d+ messages, \d+ commands for 9 lines in [\d.]+ s\)$/m);
    expect(stdout).toMatch(/^live log line, stored by the master → on the SSE client: p50 [\d.]+ ms {2}p95 [\d.]+ ms$/m);
  }, 120_000);
});
