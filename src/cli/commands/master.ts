import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { Master } from '../../master.js';
import { GuardrailError } from '../../data/guardrails.js';
import { CliError } from '../connect-error.js';
import { trimWhenIdle } from '../../util/trim-memory.js';
import { offsetClock, type Clock } from '../../util/clock.js';

export function masterCommand(): Command {
  return new Command('master')
    .description('run the bb master with a config file')
    .requiredOption('-c, --config <file>', 'master config (a TypeScript module exporting defineConfig({...}))')
    .option('--redis <url>', 'Redis URL (overrides the config and $REDIS_URL)')
    .action(async (o: { config: string; redis?: string }) => {
      const loaded = await loadConfig(resolve(o.config));
      const master = new Master({
        config: loaded.config,
        secrets: loaded.secrets,
        ...(o.redis ? { redisUrl: o.redis } : {}),
        baseDir: dirname(resolve(o.config)),
        configFile: resolve(o.config),
        ...clockFromEnv(process.env),
      });
      await master.start().catch((err: unknown) => {
        if (err instanceof GuardrailError) throw new CliError(err.message);
        throw err;
      });
      // Start-up and bursts of work grow V8's young generation; once idle, give that back (trim-memory.ts).
      const stopTrim = trimWhenIdle((t) => master.log.debug({ ...t, ms: Math.round(t.ms) }, 'memory trimmed while idle'));
      // SIGHUP: read the config file again (as `bb reconfig`); the outcome goes to the log and chat.
      const reload = () => void master.reload().catch((err: unknown) => console.error(`bb: reload failed: ${String(err)}`));
      process.on('SIGHUP', reload);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGHUP', reload);
          stopTrim();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void master.stop().then(done, done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/**
 * A testing aid: `BB_CLOCK_OFFSET_MS` moves the master's clock (periodic and nightly schedulers,
 * Problems and the hassle ladder) that far from the real time, so a test can start a master "31
 * minutes later" without waiting. Never set it in production.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): { clock?: Clock } {
  const raw = env.BB_CLOCK_OFFSET_MS;
  if (raw === undefined || raw === '') return {};
  const offset = Number(raw);
  if (!Number.isFinite(offset)) throw new Error(`BB_CLOCK_OFFSET_MS must be a number of milliseconds, not ${JSON.stringify(raw)}`);
  return { clock: offsetClock(offset) };
}
