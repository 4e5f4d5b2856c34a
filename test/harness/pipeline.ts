import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { Master, type MasterOptions } from '../../src/master.js';
import { BbClient } from '../../src/queue/client.js';
import { startExecutor, type ExecutorOptions } from '../../executor/executor.js';
import { createLogger } from '../../src/log.js';
import { Redis } from 'ioredis';
import { Keys } from '../../src/data/keys.js';
import { deletePrefix, freshPrefix, testRedis } from './redis.js';
import { tempDir, writeConfig } from './bb.js';
import type { Build } from '../../src/model/build.js';
import { renderConfig, type TestConfig } from './config.js';

export const SECRET_A = 'secret-for-exec-a-0123456789';
export const SECRET_B = 'secret-for-exec-b-0123456789';

/**
 * One test's bb: a real Redis (fresh prefix), an in-process master on a config written to a temp
 * dir, executors started on demand, and a client. `close()` stops everything and deletes the keys.
 */
export class PipelineFixture {
  master?: Master;
  private executors: Array<{ stop(o?: { handBack?: boolean }): Promise<void> }> = [];
  readonly client: BbClient;
  readonly log = createLogger('test', { level: process.env.BB_TEST_LOG ?? 'silent' });

  private constructor(
    readonly redisUrl: string,
    readonly prefix: string,
    readonly dir: string,
    readonly configPath: string,
  ) {
    this.client = new BbClient(redisUrl, prefix);
  }

  /**
   * `config`: a typed config object (test/harness/config.ts), or the source text of the
   * defineConfig object literal (for tests of the file itself); `PREFIX` and `BASEDIR` in it
   * become the test's key prefix and master directory.
   */
  static async create(label: string, config: string | TestConfig): Promise<PipelineFixture> {
    const redis = await testRedis();
    const prefix = freshPrefix(label);
    const dir = tempDir(label);
    const fx = new PipelineFixture(redis.url, prefix, dir, join(dir, 'master.ts'));
    fx.writeConfig(config);
    return fx;
  }

  /** (Re)writes the config file (a restarted master or `reload()` reads it), with `PREFIX` and `BASEDIR` filled in. */
  writeConfig(config: string | TestConfig): void {
    const body = typeof config === 'string' ? config : renderConfig(config);
    writeConfig(this.dir, body.replaceAll('PREFIX', this.prefix).replaceAll('BASEDIR', join(this.dir, 'master')));
  }

  /** `extra`: master options beyond the config (e.g. `chatTuning` for fast reconnects). */
  async startMaster(extra: Partial<MasterOptions> = {}): Promise<Master> {
    const loaded = await loadConfig(this.configPath);
    this.master = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl: this.redisUrl, logger: this.log, baseDir: this.dir, ...extra });
    await this.master.start();
    return this.master;
  }

  /** `extra`: executor options beyond these (e.g. `jobList: false`, an executor of the previous protocol). */
  async startExecutor(name: string, secret: string, slots = 1, extra: Partial<ExecutorOptions> = {}): Promise<void> {
    const e = await startExecutor({
      name,
      secret,
      redisUrl: this.redisUrl,
      prefix: this.prefix,
      basedir: join(this.dir, `executor-${name}`),
      slots,
      heartbeatMs: 500,
      logger: this.log,
      ...extra,
    });
    this.executors.push(e);
  }

  private rawClient: Redis | undefined;

  /** A raw Redis client, for tests that look at or damage the keys themselves (closed with the fixture). */
  get redis(): Redis {
    return (this.rawClient ??= new Redis(this.redisUrl));
  }

  /** The key names of this test's prefix (src/data/keys.ts). */
  get keys(): Keys {
    return new Keys(this.prefix);
  }

  get store() {
    if (!this.master) throw new Error('master not started');
    return this.master.store;
  }

  /** Every build of a builder, oldest first. */
  async builds(builder: string): Promise<Build[]> {
    return (await this.store.lastBuilds(builder, 1000)).reverse();
  }

  async close(): Promise<void> {
    for (const e of this.executors) await e.stop({ handBack: true }).catch(() => undefined);
    await this.master?.stop().catch(() => undefined);
    await this.client.close().catch(() => undefined);
    this.rawClient?.disconnect();
    await deletePrefix(this.redisUrl, this.prefix);
  }
}
