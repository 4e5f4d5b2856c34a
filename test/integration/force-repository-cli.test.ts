import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { testConfig } from '../harness/config.js';

const run = promisify(execFile);

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  repositories: [
    { name: 'app', url: '/srv/git/app.git', branches: ['main'], pollInterval: 0 },
    { name: 'docs', url: '/srv/git/docs.git', branches: ['trunk'], pollInterval: 0 },
  ],
  builders: [
    { name: 'app-linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
    { name: 'docs-html', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
  ],
  schedulers: [
    { type: 'single-branch', name: 'app', branch: 'main', treeStableTimer: 0, builders: ['app-linux'] },
    { type: 'single-branch', name: 'docs', branch: 'trunk', treeStableTimer: 0, builders: ['docs-html'] },
    { type: 'force', name: 'force', builders: ['app-linux', 'docs-html'] },
  ],
});

/** `bb force` and chat's `force build` build the repository of the builder's scheduler, or the one asked for. */
describe('the repository of a forced build, from the command line and chat', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it("bb force and force build default to the builder's scheduler's repository; --repository picks another", async () => {
    fx = await PipelineFixture.create('forcerepocli', config);
    await fx.startMaster();
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const stamp = (id: number) => waitFor(`buildset ${id}`, async () => (await fx.store.getBuildSet(id))?.sourcestamp ?? null);

    const out1 = await run(process.execPath, ['bin/bb.js', 'force', 'docs-html'], { cwd: ROOT, env });
    expect(out1.stdout).toContain('buildset 1 queued for docs-html');
    expect(await stamp(1)).toMatchObject({ repository: '/srv/git/docs.git', branch: 'trunk' });
    await run(process.execPath, ['bin/bb.js', 'force', 'docs-html', '--repository', 'app'], { cwd: ROOT, env });
    expect(await stamp(2)).toMatchObject({ repository: '/srv/git/app.git', branch: 'main' });
    const refused = await run(process.execPath, ['bin/bb.js', 'force', 'app-linux', 'docs-html'], { cwd: ROOT, env }).catch((e: { stderr: string }) => e);
    expect('stderr' in refused ? refused.stderr : '').toMatch(/several repositories \(app, docs\): pick one with --repository/);

    const bot = await shellBot(fx);
    expect(await bot.say('bb: force build docs-html', /forced/)).toContain('Build forced for docs-html (buildset 3).');
    expect(await stamp(3)).toMatchObject({ repository: '/srv/git/docs.git', branch: 'trunk' });
    expect(await bot.say('bb: force build docs-html --repository app', /forced/)).toMatch(/buildset 4/);
    expect(await stamp(4)).toMatchObject({ repository: '/srv/git/app.git' });
    await bot.stop();
  });
});
