import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { Master } from '../../master.js';

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
      });
      await master.start();
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void master.stop().then(done, done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
