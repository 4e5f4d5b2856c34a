/**
 * Chat benchmark: reply time of `status <builder>`, `last <builder>` and `status` (all builders)
 * through the command router, with 1,000 builders and 10,000 then 100,000 builds of history, so
 * you can see whether it grows with history.
 *
 *   npm run bench:chat               (BENCH_BUILDERS, BENCH_CALLS, BENCH_HISTORY=10000,100000 to change sizes)
 *
 * It writes the records straight into a private Redis (or $REDIS_URL) under a fresh prefix, the way
 * the master's store lays them out, and asks through the same router IRC and Matrix use.
 */
import { startPrivateRedis } from '../src/demo/redis.js';
import type { CommandRouter } from '../src/chat/router.js';
import type { ChatMessage } from '../src/chat/transport.js';
import { BUILDERS, chatFixture, fill, pct } from './chat-data.js';
import { deleteAll } from './prefix-lib.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const HISTORY = (process.env.BENCH_HISTORY ?? '10000,100000').split(',').map(Number);

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
  const { store, redis, prefix, router } = await chatFixture(server.url);
  console.log(`${BUILDERS} builders; ${CALLS} calls per figure; node ${process.version}`);
  let have = 0;
  for (const history of HISTORY) {
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
