import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deferRequire } from '../../src/util/defer-require.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

/** A CommonJS package in a temp dir that counts its loads in a global. */
function fixture(): { dir: string; from: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bb-defer-'));
  writeFileSync(join(dir, 'fn.cjs'), `globalThis.bbDeferLoads = (globalThis.bbDeferLoads ?? 0) + 1;\nmodule.exports = function add(a, b) { return a + b; };\nmodule.exports.Thing = class Thing { constructor(x) { this.x = x; } };\n`);
  writeFileSync(join(dir, 'obj.cjs'), `globalThis.bbDeferObjLoads = (globalThis.bbDeferObjLoads ?? 0) + 1;\nexports.twice = (n) => 2 * n;\n`);
  writeFileSync(join(dir, 'user.cjs'), `const fn = require('./fn.cjs');\nconst obj = require('./obj.cjs');\nmodule.exports = { fn, obj };\n`);
  return { dir, from: join(dir, 'user.cjs') };
}

const loads = () => (globalThis as { bbDeferLoads?: number }).bbDeferLoads ?? 0;
const objLoads = () => (globalThis as { bbDeferObjLoads?: number }).bbDeferObjLoads ?? 0;

describe('deferRequire', () => {
  it('loads a module its users require only when they first call, construct or read it, once', () => {
    const { from } = fixture();
    const req = createRequire(from);
    expect(deferRequire(from, './fn.cjs', 'function')).toBe(true);
    expect(deferRequire(from, './obj.cjs', 'object')).toBe(true);
    const before = [loads(), objLoads()];
    const user = req(from) as { fn: ((a: number, b: number) => number) & { Thing: new (x: number) => { x: number } }; obj: { twice(n: number): number } };
    expect([loads(), objLoads()]).toEqual(before);
    expect(user.fn(2, 3)).toBe(5);
    expect(loads()).toBe(before[0]! + 1);
    expect(new user.fn.Thing(7).x).toBe(7);
    expect(user.obj.twice(4)).toBe(8);
    expect(objLoads()).toBe(before[1]! + 1);
    // From then on the real module is the one in the cache: a later require gets it, not the stand-in.
    expect((req('./fn.cjs') as (a: number, b: number) => number)(1, 1)).toBe(2);
    expect(loads()).toBe(before[0]! + 1);
  });

  it('does nothing for a module that is loaded already or not installed', () => {
    const { from } = fixture();
    createRequire(from)('./obj.cjs');
    expect(deferRequire(from, './obj.cjs', 'object')).toBe(false);
    expect(deferRequire(from, 'no-such-package-here', 'object')).toBe(false);
  });

  it("keeps BullMQ's job schedulers (cron-parser, luxon) and Postgres backend out of a process until used", () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const { Queue } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/src/queue/bullmq.js'))});
      const held = (re) => Object.keys(require.cache).filter((k) => re.test(k)).length;
      const out = { queue: typeof Queue, luxon: held(/[\\\\/]node_modules[\\\\/]luxon[\\\\/]/), sql: held(/[\\\\/]bullmq[\\\\/]dist[\\\\/]cjs[\\\\/]postgres[\\\\/]sql-scripts/) };
      const bullmq = require('bullmq');
      out.postgres = typeof bullmq.PostgresQueueBackend;
      out.sqlAfter = held(/[\\\\/]bullmq[\\\\/]dist[\\\\/]cjs[\\\\/]postgres[\\\\/]sql-scripts/);
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ queue: 'function', luxon: 0, sql: 0, postgres: 'function', sqlAfter: 1 });
  });
});
