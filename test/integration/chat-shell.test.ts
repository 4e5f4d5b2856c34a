import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { ShellTransport } from '../../src/chat/shell.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling; echo line2; echo line3' }] },
    { name: 'docs', executors: ['a'], steps: [{ type: 'shell', name: 'check', command: 'true' }] },
    { name: 'slow', executors: ['a'], steps: [{ type: 'shell', name: 'wait', command: 'sleep 60' }] },
  ],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux', 'docs'] },
    { type: 'force', name: 'force', builders: ['linux', 'docs', 'slow'] },
  ],
});


describe('chat through the shell transport, against a real master', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('answers the used-by lines: status, force build, last, list, log, help, version', async () => {
    fx = await PipelineFixture.create('shell', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const bot = await shellBot(fx);
    await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');

    expect(await bot.say('bb: status linux', /linux:/)).toContain('[#dev] <bb> linux: idle; no builds yet [1/1 executors online]');
    // "trunk" names the scheduler: its branch on its builders.
    expect(await bot.say('bb: force build trunk', /forced/)).toMatch(/Build forced for linux, docs on main \(buildset 1\)\./);
    await waitFor('both builds', async () => (await fx.builds('linux'))[0]?.state === 'finished' && (await fx.builds('docs'))[0]?.state === 'finished');
    expect(await bot.say('bb: status linux', /linux:/)).toMatch(/linux: idle; last #1 SUCCESS at HEAD \[1\/1 executors online\]/);
    expect(await bot.say('bb: last', /docs:/)).toMatch(/linux: #1 SUCCESS[\s\S]*docs: #1 SUCCESS/);
    expect(await bot.say('bb: force build linux --reason "try it"', /forced/)).toMatch(/Build forced for linux \(buildset 2\)/);
    expect(await bot.say('bb: list builders', /docs/)).toMatch(/linux \[supported\]: executors a/);
    expect(await bot.say('bb: list executors', /slot/)).toMatch(/a: connected, 1 slot/);
    await waitFor('build 2', async () => (await fx.builds('linux'))[1]?.state === 'finished');
    expect(await bot.say('bb: log linux 2', /line3/)).toMatch(/linux #2 step compile[\s\S]*compiling[\s\S]*line2[\s\S]*line3/);
    expect(await bot.say('bb: help force build', /needs permission/)).toMatch(/force build \[builder\|scheduler\|branch\]/);
    expect(await bot.say('bb: version', /bb 0/)).toContain('bb 0.1.0');
    // A running build can be stopped from chat.
    expect(await bot.say('bb: force build slow', /forced/)).toMatch(/Build forced for slow \(buildset 3\)/);
    await waitFor('slow #1 to run', async () => (await fx.builds('slow'))[0]?.state === 'running');
    expect(await bot.say('bb: stop build slow --reason "not needed"', /Stopping/)).toContain('Stopping slow #1 on a; it will end as CANCELLED.');
    const [slow] = await waitFor('slow #1 to end', async () => {
      const b = await fx.builds('slow');
      return b[0]?.state === 'finished' ? b : null;
    });
    expect(slow).toMatchObject({ result: 'CANCELLED', text: 'stopped by shell:warner: not needed' });
    expect(await bot.say('/msg bb status docs', /DM to warner/)).toMatch(/\[DM to warner\] <bb> docs: idle; last #1 SUCCESS/);
    await bot.stop();
  });

  it('gives clear answers to bad input', async () => {
    fx = await PipelineFixture.create('shellbad', config);
    await fx.startMaster();
    const bot = await shellBot(fx);
    expect(await bot.say('bb: status linx', /unknown builder/)).toContain('unknown builder "linx" (known: linux, docs, slow)');
    expect(await bot.say('bb: stauts', /know/)).toContain(`I don't know "stauts". Did you mean "status"?`);
    expect(await bot.say('bb: force build nosuch', /not a builder/)).toMatch(/"nosuch" is not a builder \(linux, docs, slow\), a scheduler \(trunk\)/);
    expect(await bot.say('bb: force build linux --branch x', /option/)).toMatch(/unknown option --branch\. Usage: force build/);
    expect(await bot.say('bb: force build linux --revision "--upload-pack=x"', /Cannot force/)).toMatch(/revision/);
    expect(await bot.say('bb: list planets', /list/)).toMatch(/I can list builders, executors or changes, not "planets"/);
    expect(await bot.say('bb: log linux', /no builds/)).toContain('linux has no builds yet.');
    expect(await bot.say('bb: stop build linux', /stop/)).toContain('Cannot stop: linux has no running build.');
    expect(await bot.say('bb: stop build linux x', /Usage/)).toMatch(/"x" is not a build number\. Usage: stop build <builder> \[number\]/);
    expect(await fx.builds('linux')).toHaveLength(0);
    await bot.stop();
  });
});

describe('announcements from the master', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('config chat.announce sends a failure and the fix to the shell channel, once each', async () => {
    fx = await PipelineFixture.create('announce', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'test "%(prop:outcome:-ok)" = ok' }] }],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
      chat: { announce: [{ target: 'shell:#dev', events: ['failure', 'recovery'] }] },
    }));
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const input = new PassThrough();
    const output = new PassThrough();
    let seen = '';
    output.on('data', (d: Buffer) => (seen += d.toString()));
    await master.addChatTransport(new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input, output }), ['shell:#dev']);
    const force = async (outcome: string, n: number) => {
      await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', properties: { outcome } });
      await waitFor(`build ${n}`, async () => (await fx.builds('linux'))[n - 1]?.state === 'finished');
    };
    await force('bad', 1);
    await waitFor('the failure announcement', () => /linux #1: FAILURE/.test(seen));
    await force('bad', 2); // the same failure again: not announced again
    await force('ok', 3);
    await waitFor('the recovery announcement', () => /linux #3: SUCCESS/.test(seen));
    const lines = seen.split('\n').filter((l) => l.startsWith('[#dev] <bb> linux #'));
    expect(lines).toEqual([
      expect.stringMatching(/^\[#dev\] <bb> linux #1: FAILURE in test/),
      expect.stringMatching(/^\[#dev\] <bb> linux #3: SUCCESS \(fixed\)/),
    ]);
  });
});
