import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { testConfig } from '../harness/config.js';

const run = promisify(execFile);

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
});

/** The stderr of a `bb` command that fails, or what it printed when it did not. */
async function refused(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return run(process.execPath, ['bin/bb.js', ...args], { cwd: ROOT, env }).then(
    (r) => `exited 0: ${r.stdout}`,
    (e: { stderr: string }) => e.stderr.trim(),
  );
}

/** Chat commands and the command line run the same actions (src/actions): a request the action's input refuses reads the same both ways. */
describe('an action refused by its input check, from the command line and from chat', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('force with a bad revision and stop with an over-long reason say the same thing via bb and via chat', async () => {
    fx = await PipelineFixture.create('actrefuse', config);
    await fx.startMaster();
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const bot = await shellBot(fx);

    const badRev = 'revision: a revision is a hex commit id or a revision number';
    expect(await refused(['force', 'linux', '--revision', 'HEAD~1'], env)).toBe(`bb: force refused: ${badRev}`);
    expect(await bot.say('bb: force build linux --revision HEAD~1', /Cannot force/)).toContain(`Cannot force: ${badRev}`);

    const long = 'x'.repeat(301);
    expect(await refused(['stop', 'linux', '1', '--reason', long], env)).toBe('bb: stop refused: reason: at most 300 characters');
    expect(await bot.say(`bb: stop build linux 1 --reason ${long}`, /Cannot stop/)).toContain('Cannot stop: reason: at most 300 characters.');

    // Nothing was queued or stopped by either.
    expect(await fx.store.lastBuildSetId()).toBe(0);
    await bot.stop();
  });
});
