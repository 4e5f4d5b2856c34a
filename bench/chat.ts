/**
 * Chat benchmark: reply time of `status <builder>`, `last <builder>` and `status` (all builders)
 * through the command router, with 1,000 builders and 10,000 then 100,000 builds of history, so
 * you can see whether it grows with history.
 *
 *   node --import tsx bench/chat.ts            (BENCH_BUILDERS, BENCH_CALLS to change sizes)
 *
 * It writes the records straight into a private Redis (or $REDIS_URL) under a fresh prefix, the way
 * the master's store lays them out, and asks through the same router IRC and Matrix use.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Store } from '../src/data/store.js';
import type { Build } from '../src/model/build.js';
import { MasterBotApi } from '../src/chat/master-api.js';
import { CommandRouter } from '../src/chat/router.js';
import { allCommands } from '../bot-commands/index.js';
import { createLogger } from '../src/log.js';
import { startPrivateRedis } from '../src/demo/redis.js';
import type { MasterConfig } from '../src/config/schema.js';
import type { ChatMessage } from '../src/chat/transport.js';

const BUILDERS = Number(process.env.BENCH_BUILDERS ?? 1000);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function fill(store: Store, redis: Redis, from: number, to: number): Promise<void> {
  // Builds 1..N spread over the builders: builder i gets numbers 1, 2, … in order.
  const perBuilder = new Map<string, number>();
  for (let start = from; start < to; start += 5000) {
    const m = redis.pipeline();
    for (let id = start + 1; id <= Math.min(to, start + 5000); id++) {
      const builder = `b${id % BUILDERS}`;
      const number = (perBuilder.get(builder) ?? Math.floor(from / BUILDERS)) + 1;
      perBuilder.set(builder, number);
      const failed = id % 7 === 0;
      const b: Build = {
        id, builder, number, requestId: id, buildsetId: id, executor: `e${id % 10}`, token: 'x'.repeat(32), state: 'finished',
        dispatchedAt: 1_700_000_000_000 + id, startedAt: 1_700_000_000_000 + id, finishedAt: 1_700_000_000_500 + id,
        result: failed ? 'FAILURE' : 'SUCCESS', sourcestamp: { repository: 'r', branch: 'main', revision: id.toString(16).padStart(40, 'a'), project: 'p', changeIds: [id] },
        blamelist: ['Brian Warner <warner@example.org>'], properties: { got_revision: id.toString(16).padStart(40, 'a') },
        steps: [{ name: 'checkout', state: 'done', result: 'SUCCESS' }, { name: 'test', state: 'done', result: failed ? 'FAILURE' : 'SUCCESS' }],
        ...(failed ? { tests: { total: 100, failed: 2, skipped: 0 } } : {}),
      };
      m.set(store.keys.build(id), JSON.stringify(b));
      m.zadd(store.keys.builderBuilds(builder), number, String(id));
    }
    await m.exec();
  }
}

async function measure(router: CommandRouter, label: string, text: (i: number) => string, calls: number): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const msg: ChatMessage = { transport: 'irc', channel: '#dev', replyTo: '#dev', sender: `u${i % 50}`, account: null, text: text(i), isDirect: false };
    const t0 = performance.now();
    const reply = await router.handle(msg);
    times.push(performance.now() - t0);
    if (!reply?.lines.length) throw new Error(`no reply to ${msg.text}`);
  }
  times.sort((a, b) => a - b);
  return `${label}: median ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms (${calls} calls)`;
}

async function main(): Promise<void> {
  const server = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  const redis = new Redis(server.url);
  const prefix = `benchchat-${randomBytes(3).toString('hex')}`;
  const store = new Store(redis, prefix);
  const builders = Array.from({ length: BUILDERS }, (_, i) => `b${i}`);
  await store.putConfigSummary({
    title: 'bench',
    builders: builders.map((name) => ({ name, executors: [`e${Number(name.slice(1)) % 10}`], tier: 'supported' as const })),
    schedulers: [{ name: 'force', type: 'force', builders }],
    executors: Array.from({ length: 10 }, (_, i) => `e${i}`),
  });
  const config = { executors: Array.from({ length: 10 }, (_, i) => ({ name: `e${i}` })) } as unknown as MasterConfig;
  const api = new MasterBotApi(store, config, 'bb', 'bench');
  // No per-user limit here: this measures the reply path, not the limiter.
  const router = new CommandRouter(allCommands(), api, createLogger('bench', { level: 'silent' }), { deny: async () => null }, { max: 1e9, windowMs: 1 });
  console.log(`${BUILDERS} builders; ${CALLS} calls per figure; node ${process.version}`);
  let have = 0;
  for (const history of [10_000, 100_000]) {
    await fill(store, redis, have, history);
    have = history;
    console.log(`history: ${history} builds`);
    console.log(`  ${await measure(router, 'status <builder>', (i) => `bb: status b${(i * 7919) % BUILDERS}`, CALLS)}`);
    console.log(`  ${await measure(router, 'last <builder>  ', (i) => `bb: last b${(i * 7919) % BUILDERS}`, CALLS)}`);
    console.log(`  ${await measure(router, 'status (all)    ', () => 'bb: status', Math.max(20, CALLS / 50))}`);
  }
  await deleteAll(redis, prefix);
  redis.disconnect();
  server.stop();
}

async function deleteAll(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
