import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/bb.js';

/**
 * An idle process gives back the young generation that a burst of allocation grew (the master runs
 * src/util/trim-memory.ts after it starts). Run in a fresh Node process, which the test process's
 * own allocation cannot disturb; it ends when a trim has shrunk the young generation.
 */
describe('trimWhenIdle', () => {
  it('shrinks a grown young generation once the process is idle, and reports it', async () => {
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      import { trimWhenIdle } from ${JSON.stringify(join(ROOT, 'dist/src/util/trim-memory.js'))};
      const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      // A burst: many objects that live a while, as loading modules makes, grows the young generation.
      let keep = [];
      for (let round = 0; round < 40 && young() <= 8 * 1024 * 1024; round++) {
        for (let i = 0; i < 50000; i++) keep.push({ i, s: 'x' + i });
        if (keep.length > 400000) keep = [];
      }
      keep = null;
      console.log(JSON.stringify({ grown: young() }));
      const stop = trimWhenIdle((t) => {
        console.log(JSON.stringify(t));
        if (t.youngAfter <= 4 * 1024 * 1024) stop();
      }, { firstMs: 1000, everyMs: 1000 });
      // Stay up (idle) while the trims run; the test ends the process once one has shrunk it.
      const hold = setInterval(() => {}, 1000);
      setTimeout(() => clearInterval(hold), 25000);
    `;
    const lines: Array<Record<string, number>> = [];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => {
        buf += t;
        for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
          const line = JSON.parse(buf.slice(0, nl)) as Record<string, number>;
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (line.youngAfter !== undefined && line.youngAfter <= 4 * 1024 * 1024) {
            child.kill();
            resolve();
          }
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(lines[0]!.grown).toBeGreaterThan(4 * 1024 * 1024);
    const shrunk = lines.find((l) => l.youngAfter !== undefined && l.youngAfter <= 4 * 1024 * 1024);
    expect(shrunk).toBeDefined();
    expect(shrunk!.youngBefore).toBeGreaterThan(4 * 1024 * 1024);
    expect(shrunk!.heapUsed).toBeGreaterThan(0);
  }, 60_000);
});
