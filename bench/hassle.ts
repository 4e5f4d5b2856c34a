/**
 * Hassler benchmark: prints how fast a master gets reminders out when many Problems fall due at
 * once (the first level at start, then the next level after the clock moves on), in reminders/s
 * through a real SMTP server on loopback, and the process's RSS.
 *
 *   npm run bench:hassle                 # 1,000 Problems
 *   BENCH_PROBLEMS=5000 npm run bench:hassle
 *
 * It starts a private redis-server (or uses $REDIS_URL), an SMTP server (the smtp-server package)
 * and a master in this process, with a clock the benchmark moves.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/demo/redis.js';
import { loadConfig } from '../src/config/load.js';
import { Master } from '../src/master.js';
import { createLogger } from '../src/log.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { ManualClock } from '../src/util/clock.js';
import { deleteAll } from './prefix-lib.js';

const ROOT = PACKAGE_ROOT;
const N = Number(process.env.BENCH_PROBLEMS ?? 1000);

async function main(): Promise<void> {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  let received = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = ((smtp as unknown as { server: { address(): AddressInfo } }).server.address()).port;

  const prefix = `bench-hassle-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-hassle-'));
  const configPath = join(dir, 'master.ts');
  writeFileSync(
    configPath,
    `import { defineConfig } from ${JSON.stringify(join(ROOT, 'src/config/define.ts'))};
export default defineConfig({
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  executors: [{ name: 'a', secret: 'bench-secret-0123456789' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'true' }] }],
  users: { smtp: { host: '127.0.0.1', port: ${port}, from: 'bb@example.org' } },
  problems: { hassle: { quietHours: false, maxPerPersonPerDay: 1000 } },
});
`,
  );
  const loaded = await loadConfig(configPath);
  const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
  const master = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl: redis.url, logger: createLogger('bench', { level: 'warn' }), baseDir: dir, clock });

  // N confirmed Problems, each blaming its own user, written before the master starts (as after a restart).
  const store = master.store;
  for (let i = 1; i <= N; i++) {
    await store.users.put({ name: `dev${i}`, emails: [`dev${i}@example.org`], authors: [], createdAt: 0 });
    await store.problems.create({
      key: `test|suite|t${i}@rev${i}`, state: 'confirmed', subjects: [{ kind: 'test', suite: 'suite', name: `t${i}` }],
      builders: [{ builder: 'linux', firstBadBuildId: i, firstBadNumber: i }], firstBadRevision: `rev${i}`,
      openedAt: clock.now(), confirmedAt: clock.now(), guilty: [`dev${i}`], responsible: [`dev${i}`], interested: [], notMe: [], acks: [], watchers: [],
    });
  }

  const t0 = performance.now();
  await master.start();
  await master.hassler.idle();
  while (received < N) await new Promise((r) => setTimeout(r, 10));
  const first = (performance.now() - t0) / 1000;
  const rss1 = process.memoryUsage().rss;

  clock.advance(31 * 60_000);
  const t1 = performance.now();
  await master.settled();
  while (received < 2 * N) await new Promise((r) => setTimeout(r, 10));
  const second = (performance.now() - t1) / 1000;
  const rss2 = process.memoryUsage().rss;

  // Nothing is sent twice when every ladder is woken again with nothing due.
  const t2 = performance.now();
  await master.hassler.rearm();
  const idle = (performance.now() - t2) / 1000;

  console.log(`problems: ${N}`);
  console.log(`level 1 at master start (catch-up): ${N} emails in ${first.toFixed(2)} s = ${(N / first).toFixed(0)} reminders/s`);
  console.log(`level 2 after the clock moved 31 min: ${N} emails in ${second.toFixed(2)} s = ${(N / second).toFixed(0)} reminders/s`);
  console.log(`wake of ${N} ladders with nothing due: ${(idle * 1000).toFixed(0)} ms; emails total ${received} (expected ${2 * N})`);
  console.log(`process RSS: ${(rss1 / 2 ** 20).toFixed(0)} MiB after level 1, ${(rss2 / 2 ** 20).toFixed(0)} MiB after level 2`);

  await master.stop();
  const r = new Redis(redis.url);
  await deleteAll(r, prefix);
  r.disconnect();
  await new Promise<void>((res) => smtp.close(() => res()));
  redis.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
