import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Master, type MasterOptions } from '../../src/master.js';
import type { BuildSet } from '../../src/model/build.js';
import type { PipelineFixture } from './pipeline.js';

/** Start the fixture's master with options the fixture does not set (a clock, a logger); `fx.close()` stops it. */
export async function startMasterWith(fx: PipelineFixture, extra: Partial<MasterOptions> = {}): Promise<Master> {
  const loaded = await loadConfig(fx.configPath);
  fx.master = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl: fx.redisUrl, logger: fx.log, baseDir: fx.dir, ...extra });
  await fx.master.start();
  return fx.master;
}

/** A logger that keeps every line it writes, as parsed JSON. */
export function recordingLogger(): { logger: MasterOptions['logger'] & object; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** Every BuildSet stored, oldest first. */
export async function allBuildSets(fx: PipelineFixture): Promise<BuildSet[]> {
  return fx.store.getBuildSets(await fx.store.buildSetIdsAfter(0, 1_000_000));
}
