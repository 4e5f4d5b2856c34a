/**
 * Retention soak: writes build history through the store's real write path (a Change, a BuildSet,
 * a claimed request and an executor's events with logs and test results per build, as the master
 * writes them, without executors) and prints Redis's key count and used memory as it goes: once
 * with the default retention policy applied in the background, once with retention off.
 *
 *   npm run bench:retention                          # 100,000 builds per run
 *   BENCH_BUILDS=20000 BENCH_BUILDERS=10 BENCH_MINUTES_PER_BUILD=15 npm run bench:retention
 *
 * The clock is the store's: each build is BENCH_MINUTES_PER_BUILD minutes (default 15) after the
 * one before, so 100,000 builds span about three years and the default policy (builds 365 days,
 * logs 30 days) comes into force part-way. A retention pass runs every BENCH_PRUNE_EVERY builds
 * (default 1,000; the master runs one every `retention.every` of real time). Each run gets its own
 * private redis-server (AOF on, noeviction), so the figures are this history's alone.
 */
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/demo/redis.js';
import { Store } from '../src/data/store.js';
import { Pruner } from '../src/data/prune.js';
import { retentionSchema } from '../src/config/retention.js';
import type { RetentionPolicy } from '../src/model/retention.js';
import { HistoryWriter } from '../test/harness/history.js';

const N = Number(process.env.BENCH_BUILDS ?? 100_000);
const BUILDERS = Number(process.env.BENCH_BUILDERS ?? 10);
const STEP_MS = Number(process.env.BENCH_MINUTES_PER_BUILD ?? 15) * 60_000;
const PRUNE_EVERY = Number(process.env.BENCH_PRUNE_EVERY ?? 1000);
/** A multiple of PRUNE_EVERY. */
const REPORT_EVERY = Number(process.env.BENCH_REPORT_EVERY ?? Math.max(PRUNE_EVERY, Math.round(N / 10 / PRUNE_EVERY) * PRUNE_EVERY));

interface Row {
  builds: number;
  keys: number;
  usedMiB: number;
}

async function soak(label: string, policy: RetentionPolicy | false): Promise<Row[]> {
  const server = await startPrivateRedis();
  const redis = new Redis(server.url);
  const clock = { t: Date.UTC(2024, 0, 1) };
  const store = new Store(redis, 'bb', () => clock.t);
  const history = new HistoryWriter(store);
  const pruner = policy ? new Pruner(store, policy, () => clock.t) : undefined;
  const rows: Row[] = [];
  let written = 0;
  let pruned = { builds: 0, logs: 0, buildsets: 0, changes: 0 };
  const started = Date.now();
  try {
    // Batches of PRUNE_EVERY builds, up to 8 written at once (the store serialises what must be);
    // between batches a retention pass and, at report points, the figures, with nothing in flight.
    while (written < N) {
      const upTo = Math.min(N, written + PRUNE_EVERY);
      const next = async (): Promise<void> => {
        while (written < upTo) {
          const i = written++;
          clock.t += STEP_MS;
          await history.build(`builder-${i % BUILDERS}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(BUILDERS, 8) }, () => next()));
      if (pruner) {
        // What the schedulers, the user matcher and the Problem detector would have handled by now.
        await history.handledUpTo(await store.lastChangeId(), await store.builds.lastId());
        const r = await pruner.run();
        pruned = { builds: pruned.builds + r.pruned.builds, logs: pruned.logs + r.pruned.logs, buildsets: pruned.buildsets + r.pruned.buildsets, changes: pruned.changes + r.pruned.changes };
      }
      if (written % REPORT_EVERY === 0 || written === N) {
        const row = await measure(redis, written);
        rows.push(row);
        const days = Math.round((written * STEP_MS) / 86_400_000);
        console.log(
          `${label.padEnd(13)} ${String(written).padStart(7)} builds (${String(days).padStart(4)} days)  ${String(row.keys).padStart(8)} keys  ${row.usedMiB.toFixed(1).padStart(7)} MiB used` +
            (pruner ? `  pruned so far: ${pruned.builds} builds, logs of ${pruned.logs}, ${pruned.buildsets} buildsets, ${pruned.changes} changes` : ''),
        );
      }
    }
    console.log(`${label}: ${N} builds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return rows;
  } finally {
    redis.disconnect();
    server.stop();
  }
}

async function measure(redis: Redis, builds: number): Promise<Row> {
  const info = await redis.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  return { builds, keys: await redis.dbsize(), usedMiB: used / 1024 / 1024 };
}

async function main(): Promise<void> {
  const defaults = retentionSchema.parse({});
  if (!defaults) throw new Error('the default policy keeps everything');
  console.log(`retention soak: ${N} builds over ${BUILDERS} builders, one every ${STEP_MS / 60_000} min of store time; a pass every ${PRUNE_EVERY} builds`);
  console.log(`default policy: builds ${days(defaults.builds)}, logs ${days(defaults.logs)}, changes ${days(defaults.changes)}, buildsets ${days(defaults.buildsets)}`);
  const kept = await soak('retention on', defaults);
  const all = await soak('retention off', false);
  console.log('\nbuilds      keys (on)   MiB (on)   keys (off)  MiB (off)');
  for (const [i, on] of kept.entries()) {
    const off = all[i]!;
    console.log(`${String(on.builds).padStart(7)}  ${String(on.keys).padStart(10)}  ${on.usedMiB.toFixed(1).padStart(9)}  ${String(off.keys).padStart(11)}  ${off.usedMiB.toFixed(1).padStart(9)}`);
  }
}

function days(rule: RetentionPolicy['builds']): string {
  return rule ? `${Math.round(rule.maxAge / 86_400_000)}d, last ${rule.keepLast}` : 'kept';
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
