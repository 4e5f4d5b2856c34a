import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { makeRepo } from '../harness/git.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { startAnnouncer } from '../../src/notify/announcer.js';
import { chatSchema } from '../../src/config/schema.js';
import type { Build } from '../../src/model/build.js';
import { testConfig, type BuilderInput } from '../harness/config.js';

type Step = NonNullable<BuilderInput['steps']>[number];

const junit = (failing: string[] = []) => `<?xml version="1.0"?>
<testsuite name="sample" tests="2">
  <testcase classname="sample.parser" name="parses_empty"/>
  <testcase classname="sample.net" name="reconnects">${failing.includes('reconnects') ? '<failure message="boom"/>' : ''}</testcase>
</testsuite>`;

const steps: Step[] = [
  { type: 'checkout' },
  { type: 'shell', name: 'flaky', command: ['sh', '-c', 'test ! -f flaky.sh || sh flaky.sh'] },
  { type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml && ! grep -q "<failure" out.xml'], testResults: { format: 'junit', path: 'out.xml' } },
];

describe('problem announcements with a real master, executor and chat', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a channel subscribed to `problem` hears it opened (after its confirming rerun), resolved, and a flaky one; others hear none', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'initial');
    fx = await PipelineFixture.create('announceproblems', testConfig({
      executors: [{ name: 'a', secret: SECRET_A, maxBuilds: 2 }],
      repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
      builders: [{ name: 'linux', executors: ['a'], steps }, { name: 'mac', executors: ['a'], steps }],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac'] }],
    }));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    // The announce targets as a config gives them (chat.announce), parsed as the config is.
    const chat = chatSchema.parse({
      announce: [
        { target: 'shell:#ops', events: ['problem'] },
        { target: 'matrix:!ops:example.org', events: ['problem'] },
        { target: 'shell:#dev', events: ['failure', 'recovery'] },
      ],
    });
    const outbox = new RecordingOutbox();
    const announcer = startAnnouncer({ store: fx.store, config: { ...fx.master!.config, chat }, outbox, log: fx.log });
    const bot = await shellBot(fx);
    expect(await bot.say('/msg bb notify on problem', /DM to warner/)).toContain('You now get in DMs: problem.');

    const ops = () => outbox.to('shell:#ops');
    const heard = async (n: number) => {
      await waitFor(`${n} problem lines in #ops`, async () => {
        await announcer.idle();
        return ops().length >= n;
      }, 40_000);
      return ops();
    };
    const force = async (builder: string, n: number): Promise<Build> => {
      await fx.client.control({ v: 1, type: 'force', builders: [builder], owner: 'test', properties: {} });
      return waitFor(`${builder} #${n}`, async () => {
        const b = (await fx.builds(builder)).find((x) => x.number === n);
        return b?.state === 'finished' ? b : null;
      }, 30_000);
    };
    const polled = () => waitFor('the poller to see the tip', async () => (await fx.store.pollerTips('sample')).main === repo.head());

    await polled();
    expect((await force('linux', 1)).result).toBe('SUCCESS');
    expect((await force('mac', 1)).result).toBe('SUCCESS');
    const bad = repo.commit('Brian Warner <warner@example.org>', { 'results.xml': junit(['reconnects']) }, 'break it');
    await polled();
    expect((await force('linux', 2)).result).toBe('FAILURE');
    // Announced once the confirming rerun (linux #3) failed too, not on the first failure.
    const opened = `problem #1 opened: sample.net.reconnects fails on linux since ${bad.slice(0, 12)} | guilty warner`;
    expect(await heard(1)).toEqual([opened]);
    expect((await fx.builds('linux')).map((b) => [b.number, b.result, b.properties.confirm_problem])).toEqual([[1, 'SUCCESS', undefined], [2, 'FAILURE', undefined], [3, 'FAILURE', 1]]);
    expect(outbox.sent.find((s) => s.to === 'matrix:!ops:example.org')).toEqual({
      to: 'matrix:!ops:example.org',
      text: opened,
      html: `<b>problem #1</b> opened: <code>sample.net.reconnects</code> fails on linux since <code>${bad.slice(0, 12)}</code> | guilty warner`,
    });

    // mac joins the same Problem (not announced again); the fix on both resolves it.
    expect((await force('mac', 2)).result).toBe('FAILURE');
    await waitFor('mac in problem 1', async () => ((await fx.store.problems.get(1))?.builders.some((b) => b.builder === 'mac') ? true : null));
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'fix it');
    await polled();
    expect((await force('linux', 4)).result).toBe('SUCCESS');
    expect((await force('mac', 3)).result).toBe('SUCCESS');
    expect((await heard(2))[1]).toMatch(/^problem #1 resolved: sample\.net\.reconnects passes again on linux, mac \(fixed in [0-9a-f]{12} by zooko\)$/);

    // A check that fails once and passes on its rerun: flaky, said once, nobody hassled.
    const marker = `${fx.dir}/flaky-ran`;
    const flakyRev = repo.commit('Zooko Wilcox <zooko@example.org>', { 'flaky.sh': `test -f ${marker} || { touch ${marker}; exit 1; }\n` }, 'flaky check');
    await polled();
    expect((await force('linux', 5)).result).toBe('FAILURE');
    expect((await heard(3))[2]).toBe(`problem #2 is flaky: step flaky failed on linux at ${flakyRev.slice(0, 12)} (passed on a rerun of the same revision; nobody is hassled)`);

    await fx.master!.problems.settled();
    await announcer.idle();
    expect(ops()).toHaveLength(3);
    expect(outbox.to('dm:shell:warner')).toEqual(ops());
    // #dev is subscribed to failures, not to problems: it hears the builds, and no problem line.
    const dev = outbox.to('shell:#dev');
    expect(dev.length).toBeGreaterThan(0);
    expect(dev.filter((l) => /^problem /.test(l))).toEqual([]);
    expect(dev[0]).toMatch(/^linux #2: FAILURE \(new failure\) in test; failed tests: reconnects \|/);
    await announcer.stop();
    await bot.stop();
  }, 150_000);
});
