import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';
import { ShellTransport } from '../../src/chat/shell.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'true' }] }],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] },
    { type: 'periodic', name: 'hourly', periodicBuildTimer: 3600, builders: ['linux'] },
  ],
});

/** Chat's scheduler switch is the command line's action (src/actions): the same switch, the same refusals. */
describe('schedulers from chat', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('schedulers lists them; scheduler disable/enable switch one as bb scheduler does; an unknown one is refused alike', async () => {
    fx = await PipelineFixture.create('chatsched', config);
    const master = await fx.startMaster();
    const input = new PassThrough();
    const output = new PassThrough();
    let seen = '';
    output.on('data', (d: Buffer) => (seen += d.toString()));
    await master.addChatTransport(new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input, output }));
    const say = async (line: string, expect: RegExp) => {
      const from = seen.length;
      input.write(`${line}\n`);
      return waitFor(`a reply matching ${expect}`, () => (expect.test(seen.slice(from)) ? seen.slice(from) : null));
    };

    const list = await say('bb: schedulers', /hourly/);
    expect(list).toContain('trunk (single-branch, linux): on');
    // The master's own timed state: the periodic scheduler's next build is known.
    expect(list).toMatch(/hourly \(periodic, linux\): on, next build \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    expect(await say('bb: scheduler disable trunk because release freeze', /trunk/)).toContain('Scheduler trunk is off: release freeze. It makes no BuildSets until "scheduler enable trunk".');
    expect(await say('bb: scheduler disable trunk', /trunk/)).toContain('Scheduler trunk was already off.');
    const cli = spawnBb(['scheduler', 'list', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-list' });
    expect(await cli.exited).toBe(0);
    expect(cli.log()).toMatch(/trunk\s+single-branch\s+off \(by shell:warner: release freeze\)/);
    expect(await say('bb: schedulers', /trunk/)).toContain('trunk (single-branch, linux): off (by shell:warner: release freeze)');

    const unknown = 'unknown scheduler "nope" (known: trunk, hourly)';
    expect(await say('bb: scheduler enable nope', /nope/)).toContain(`Cannot enable nope: ${unknown}.`);
    const refused = spawnBb(['scheduler', 'enable', 'nope', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-enable' });
    expect(await refused.exited).not.toBe(0);
    expect(refused.log()).toContain(`scheduler enable refused: ${unknown}`);

    expect(await say('bb: scheduler enable trunk', /trunk/)).toContain('Scheduler trunk is on again.');
    expect((await fx.store.schedulers.disabled()).size).toBe(0);
  });
});
