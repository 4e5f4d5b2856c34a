import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../log.js';
import { loadConfig } from '../config/load.js';
import { Master } from '../master.js';
import { startExecutor } from '../../executor/executor.js';
import { describeBuild, authorName } from '../status/status.js';
import { startPrivateRedis } from './redis.js';
import { SampleRepo, DEMO_STORY } from './sample-repo.js';
import { runShell } from './shell.js';
import { shortRev } from '../model/revision.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { freePort, portFree } from '../util/net.js';

const ROOT = PACKAGE_ROOT;

export interface DemoOptions {
  storyIntervalSec: number;
  shell: boolean;
  durationSec?: number;
}

/**
 * bb on one machine: a private redis-server (or $REDIS_URL), a master running config/demo.ts,
 * one executor, a sample git repository with commits by two authors, and a chat shell.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const work = join(ROOT, '.bb-demo');
  mkdirSync(work, { recursive: true });
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await startPrivateRedis();
  say(`redis: ${redis.url}${process.env.REDIS_URL ? ' (from REDIS_URL)' : ' (private, stopped on exit)'}`);

  const repo = SampleRepo.create(join(work, 'sample'));
  say(`sample repository: ${repo.dir}`);
  process.env.BB_DEMO_REPO = repo.dir;
  process.env.BB_DEMO_SECRET ??= randomBytes(24).toString('hex');
  // The web pages: 8010 unless taken (or BB_DEMO_PORT says otherwise); links are made from that address.
  process.env.BB_DEMO_PORT ??= String((await portFree(8010)) ? 8010 : await freePort());
  const loaded = await loadConfig(join(ROOT, 'config', 'demo.ts'));
  const config = { ...loaded.config, redis: { ...loaded.config.redis, prefix: `${loaded.config.redis.prefix}-${randomBytes(3).toString('hex')}` } };
  rmSync(join(work, 'master'), { recursive: true, force: true });
  config.basedir = join(work, 'master');

  const quiet = createLogger('bb', { level: process.env.BB_LOG_LEVEL ?? 'warn' });
  const master = new Master({ config, secrets: loaded.secrets, redisUrl: redis.url, logger: quiet, baseDir: ROOT });
  tail(master, say);
  await master.start();
  const executors = await Promise.all(
    config.executors.map((e) =>
      startExecutor({
        name: e.name,
        secret: loaded.secrets.get(e.name)!,
        redisUrl: redis.url,
        prefix: config.redis.prefix,
        basedir: join(work, `executor-${e.name}`),
        slots: 2,
        logger: quiet,
      }),
    ),
  );
  say(`master and ${executors.length} executor running; builders: ${config.builders.map((b) => b.name).join(', ')}`);
  if (master.http?.address) say(`web pages: http://127.0.0.1:${master.http.address.port}/`);

  let step = 0;
  const story =
    opts.storyIntervalSec > 0
      ? setInterval(() => {
          const next = DEMO_STORY[step++];
          if (!next) return;
          const sha = repo.commit(next.author, next.files, next.message);
          say(`* ${authorName(next.author)} committed ${shortRev(sha)}: ${next.message}`);
        }, opts.storyIntervalSec * 1000)
      : undefined;

  let stopping: Promise<void> | undefined;
  // Ctrl-C, the duration and /quit may all ask; bb stops once.
  const stop = () => (stopping ??= stopOnce());
  const stopOnce = async () => {
    if (story) clearInterval(story);
    for (const e of executors) await e.stop({ handBack: true });
    await master.stop();
    redis.stop();
  };
  const done = new Promise<void>((resolveDone) => {
    const finish = () => void stop().then(resolveDone, resolveDone);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    if (opts.durationSec) setTimeout(finish, opts.durationSec * 1000).unref();
    if (opts.shell) void runShell(master, { commit: () => DEMO_STORY[step++] }, say).then(finish);
  });
  await done;
  say('demo stopped');
  // The shell's input stays open when it is a pipe (a script, a test) and would keep the process alive.
  (process.stdin as { unref?: () => void }).unref?.();
}

function tail(master: Master, say: (s: string) => void): void {
  const bus = master.store.bus;
  bus.on('change.new', (c) => say(`change ${c.id}: ${shortRev(c.revision, '-')} on ${c.branch ?? '-'} by ${authorName(c.author)}: ${c.comments.split('\n')[0]}`));
  bus.on('buildset.new', (bs) => say(`buildset ${bs.id} (${bs.reason}) for ${bs.builders.join(', ')}`));
  bus.on('build.started', (b) => say(`${b.builder} #${b.number} started on ${b.executor}`));
  bus.on('build.finished', (b) => say(`${b.builder} ${describeBuild(b)}`));
  bus.on('executor.connected', (e) => say(`executor ${e.name} connected (${e.slots} slots)`));
  bus.on('executor.lost', (e, why) => say(`executor ${e.name} ${e.state}: ${why}`));
}
