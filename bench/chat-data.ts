/** Shared by the chat benchmarks: a store with many builders and a long history, written directly. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Store } from '../src/data/store.js';
import { Keys } from '../src/data/keys.js';
import type { Build } from '../src/model/build.js';
import { MasterBotApi } from '../src/chat/master-api.js';
import { CommandRouter } from '../src/chat/router.js';
import { allCommands } from '../bot-commands/index.js';
import { createLogger } from '../src/log.js';
import { validateConfig } from '../src/config/validate.js';

export const BUILDERS = Number(process.env.BENCH_BUILDERS ?? 1000);

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function fill(store: Store, redis: Redis, from: number, to: number): Promise<void> {
  // Written straight into Redis (a long history in seconds), with the store's key names.
  const keys = new Keys(store.prefix);
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
      m.set(keys.build(id), JSON.stringify(b));
      m.zadd(keys.builderBuilds(builder), number, String(id));
    }
    await m.exec();
  }
}


export async function chatFixture(url: string): Promise<{ store: Store; redis: Redis; prefix: string; router: CommandRouter; api: MasterBotApi }> {
  const redis = new Redis(url);
  const prefix = `benchchat-${randomBytes(3).toString('hex')}`;
  const store = new Store(redis, prefix);
  const builders = Array.from({ length: BUILDERS }, (_, i) => `b${i}`);
  await store.putConfigSummary({
    title: 'bench',
    builders: builders.map((name) => ({ name, executors: [`e${Number(name.slice(1)) % 10}`], tier: 'supported' as const })),
    schedulers: [{ name: 'force', type: 'force', builders }],
    executors: Array.from({ length: 10 }, (_, i) => `e${i}`),
  });
  // A config as the master has it (checked, defaults filled in), so the API sees every setting.
  const executors = Array.from({ length: 10 }, (_, i) => `e${i}`);
  const { config } = validateConfig(
    {
      title: 'bench',
      redis: { prefix },
      executors: executors.map((name) => ({ name, secret: 'bench-secret-0123456789' })),
      builders: builders.map((name) => ({ name, executors: [`e${Number(name.slice(1)) % 10}`], steps: [{ type: 'shell', name: 'noop', command: 'true' }] })),
      schedulers: [{ type: 'force', name: 'force', builders }],
    },
    { file: 'bench/chat-data.ts', baseDir: process.cwd() },
  );
  const api = new MasterBotApi(store, config, 'bb', 'bench');
  // No per-user limit here: the benchmarks measure the reply path, not the limiter.
  const router = new CommandRouter(allCommands(), api, createLogger('bench', { level: 'silent' }), { deny: async () => null }, { max: 1e9, windowMs: 1 });
  return { store, redis, prefix, router, api };
}


