/**
 * `status` over a real IRC server: a person's client says `bb: status <builder>` in a channel and
 * waits for the bot's reply, with 1,000 builders and 100,000 builds of history behind it.
 * The bot's paced sender allows a burst of 4 lines, then 1 line/s, so questions are spaced 1.1 s
 * apart to time replies rather than the pacing.
 *
 *   npm run bench:chat-irc           (needs inspircd and atheme-services: `npm test` installs them)
 *   (BENCH_BUILDERS, BENCH_CALLS, BENCH_HISTORY change the sizes)
 */
import { startPrivateRedis } from '../src/demo/redis.js';
import { IrcTransport } from '../src/chat/irc/irc-transport.js';
import { attachRouter } from '../src/chat/bot.js';
import { createLogger } from '../src/log.js';
import { startIrcd } from '../test/harness/ircd.js';
import { connectHuman } from '../test/harness/irc-human.js';
import { BUILDERS, chatFixture, fill, pct } from './chat-data.js';
import { deleteAll } from './prefix-lib.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 30);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);

async function main(): Promise<void> {
  const server = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  const { store, redis, prefix, router } = await chatFixture(server.url);
  await fill(store, redis, 0, HISTORY);
  const ircd = await startIrcd();
  const log = createLogger('bench', { level: 'silent' });
  const bot = new IrcTransport({ host: ircd.host, port: ircd.port, tls: false, nick: 'bb', channels: ['#bench'], log });
  attachRouter(bot, router, log);
  await bot.start();
  const human = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'warner', channels: ['#bench'] });
  await new Promise((r) => setTimeout(r, 1500)); // let the bot's join settle
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const builder = `b${(i * 7919) % BUILDERS}`;
    const from = human.seen.length;
    const t0 = performance.now();
    human.say('#bench', `bb: status ${builder}`);
    await human.waitFor((m) => m.nick === 'bb' && m.text.startsWith(`${builder}:`), 10_000, from);
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1100));
  }
  times.sort((a, b) => a - b);
  console.log(`${BUILDERS} builders, ${HISTORY} builds; InspIRCd on loopback; ${CALLS} questions`);
  console.log(`status over IRC (said → reply seen): median ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
  await human.quit();
  await bot.stop();
  await ircd.stop();
  await deleteAll(redis, prefix);
  redis.disconnect();
  server.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
