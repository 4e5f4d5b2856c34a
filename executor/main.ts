import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../src/log.js';
import { NAME_RE } from '../src/model/change.js';
import { startExecutor } from './executor.js';

interface ExecutorCliOptions {
  name: string;
  secretFile?: string;
  redis: string;
  prefix: string;
  basedir?: string;
  slots: number;
  builders?: string[];
  handBackOnStop?: boolean;
  handBackAfter?: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 86_400) throw new InvalidArgumentError('expected a whole number of seconds from 0 to 86400');
  return n;
}

function nameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !NAME_RE.test(n));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a builder name`);
  return names;
}

/**
 * `bb executor`: run builds for a master. SIGTERM/SIGINT stops taking jobs and waits for running
 * builds (a second signal, --hand-back-on-stop, or --hand-back-after once that long has passed,
 * kills them and hands them back as RETRY).
 */
export function makeExecutorCommand(): Command {
  const cmd = new Command('executor')
    .description('run builds on this machine for a bb master')
    .requiredOption('--name <name>', 'executor name, as in the master config')
    .option('--secret-file <file>', 'file holding the shared secret (else $BB_EXECUTOR_SECRET)')
    .option('--redis <url>', 'Redis URL', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
    .option('--prefix <prefix>', 'key prefix of the master', 'bb')
    .option('--basedir <dir>', 'where work trees live (default ./executor-<name>)')
    .option('--slots <n>', 'builds to run at once', positiveInt, 1)
    .option('--builders <list>', 'comma-separated builders this executor offers to run', nameList)
    .option('--hand-back-on-stop', 'on SIGTERM/SIGINT, kill running builds and hand them back as RETRY')
    .option('--hand-back-after <seconds>', 'on SIGTERM/SIGINT, let running builds finish for this long, then hand back the rest as RETRY', seconds);
  cmd.action(async (o: ExecutorCliOptions) => {
    if (!NAME_RE.test(o.name)) cmd.error(`bb executor: --name "${o.name}" is not valid (letters, digits, . _ -)`, { exitCode: 2 });
    const secret = readSecret(cmd, o.secretFile);
    const logger = createLogger('executor');
    let onReplaced = () => {};
    const replaced = new Promise<void>((r) => (onReplaced = r));
    const handle = await startExecutor({
      name: o.name,
      secret,
      redisUrl: o.redis,
      prefix: o.prefix,
      basedir: o.basedir ?? `./executor-${o.name}`,
      slots: o.slots,
      ...(o.builders ? { builders: o.builders } : {}),
      logger,
      onReplaced: (by) => {
        logger.error({ newSession: by.session, newHost: by.hostname }, 'stopping: the master accepted a newer process under this executor name');
        process.exitCode = 3;
        onReplaced();
      },
    });
    await new Promise<void>((done) => {
      void replaced.then(() => handle.stop({ handBack: true })).then(done, done);
      let signals = 0;
      let grace: NodeJS.Timeout | undefined;
      const stop = (handBack: boolean) =>
        void handle.stop({ handBack }).then(
          () => {
            clearTimeout(grace);
            done();
          },
          (err: unknown) => {
            logger.error({ err }, 'executor did not stop cleanly');
            clearTimeout(grace);
            done();
          },
        );
      const onSignal = (sig: NodeJS.Signals) => {
        signals += 1;
        const handBack = Boolean(o.handBackOnStop) || signals > 1 || o.handBackAfter === 0;
        const waiting = o.handBackAfter === undefined ? 'signal again to hand them back' : `handing them back after ${o.handBackAfter} s`;
        logger.info({ signal: sig, handBack, running: handle.running() }, handBack ? 'stopping: handing running builds back' : `stopping: waiting for running builds (${waiting})`);
        if (!handBack && signals === 1 && o.handBackAfter !== undefined) {
          grace = setTimeout(() => {
            logger.info({ running: handle.running() }, 'stopping: grace period over, handing running builds back');
            stop(true);
          }, o.handBackAfter * 1000);
        }
        stop(handBack);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    // Everything is closed; should a stray handle keep the loop alive, do not hang on it.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
  });
  return cmd;
}

function readSecret(cmd: Command, file: string | undefined): string {
  let secret: string | undefined;
  if (file) {
    try {
      secret = readFileSync(file, 'utf8').trim();
    } catch (err) {
      cmd.error(`bb executor: cannot read --secret-file ${file}: ${(err as Error).message}`, { exitCode: 2 });
    }
  } else {
    secret = process.env.BB_EXECUTOR_SECRET?.trim();
  }
  if (!secret) {
    cmd.error(
      `bb executor: no secret${file ? ` in ${file}` : ''}: pass --secret-file FILE or set BB_EXECUTOR_SECRET to the secret the master config has for this executor`,
      { exitCode: 2 },
    );
  }
  return secret;
}

/** Run `bb executor` with these arguments (as after the subcommand name). */
export async function executorCommand(argv: string[]): Promise<void> {
  await makeExecutorCommand().parseAsync(argv, { from: 'user' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await executorCommand(process.argv.slice(2));
}
