import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../harness/bb.js';

const run = promisify(execFile);

describe('bench:retention (a tiny run)', () => {
  it('writes history with retention on and off and prints keys and used memory', async () => {
    // npm test compiles to dist first (scripts/test.sh), as `npm run bench:retention` does.
    const { stdout } = await run(process.execPath, ['dist/bench/retention.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_BUILDS: '600', BENCH_BUILDERS: '3', BENCH_PRUNE_EVERY: '200', BENCH_MINUTES_PER_BUILD: '1440' },
    });
    expect(stdout).toMatch(/^retention on\s+600 builds .* \d+ keys\s+\d+\.\d MiB used {2}pruned so far: \d+ builds/m);
    expect(stdout).toMatch(/^retention off\s+600 builds .* \d+ keys\s+\d+\.\d MiB used$/m);
    const table = stdout.slice(stdout.indexOf('builds      keys (on)'));
    const rows = table.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows.map((r) => r[0])).toEqual([200, 400, 600]);
    // A build a day for 600 days: the default policy prunes logs older than 30 days (beyond the
    // last 50 per builder), so the run with retention ends with fewer keys.
    const last = rows.at(-1)!;
    expect(last[1]).toBeLessThan(last[3]!);
  });
});
