import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { startAnnouncer, type Announcer } from '../../src/notify/announcer.js';
import type { Build } from '../../src/model/build.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  titleUrl: 'https://ci.example.org',
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'cp BASEDIR/results.tap results.tap && ! grep -q "^not ok" results.tap', testResults: { format: 'tap', path: 'results.tap' } }] },
  ],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
  // This test counts builds: no confirming reruns from the Problems detector in between.
  problems: { confirm: false },
});

/** TAP output with these tests failing (and one that always passes). */
function tap(...failing: string[]): string {
  const lines = ['ok 1 - always passes', ...failing.map((name, i) => `not ok ${i + 2} - ${name}`)];
  return `TAP version 13\n1..${lines.length}\n${lines.join('\n')}\n`;
}

/** A master's chat side as one process has it: shell transport, router, commands, announcer. */
async function chatSide(fx: PipelineFixture, outbox: RecordingOutbox) {
  const bot = await shellBot(fx);
  const announcer: Announcer = startAnnouncer({ store: fx.store, config: fx.master!.config, outbox, log: fx.log });
  const finished: Build[] = [];
  fx.store.bus.on('build.finished', (b) => finished.push(b));
  return {
    announcer,
    say: bot.say,
    /** Forces one linux build with these tests failing and waits until it is announced. */
    async build(...failing: string[]): Promise<Build> {
      mkdirSync(join(fx.dir, 'master'), { recursive: true });
      writeFileSync(join(fx.dir, 'master', 'results.tap'), tap(...failing));
      const before = finished.length;
      await this.say('bb: force build linux', /forced/);
      await waitFor('the build to finish', () => finished.length > before, 30_000);
      await announcer.idle();
      return finished[before]!;
    },
    async stop() {
      await announcer.stop();
      await bot.stop();
    },
  };
}

describe('announcements with a real master, executor and chat commands', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('notify, the same failure once, a changed failure, recovery, mute, watch, and a master restart', async () => {
    fx = await PipelineFixture.create('announce', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const outbox = new RecordingOutbox();
    let chat = await chatSide(fx, outbox);
    await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    const dev = () => outbox.to('shell:#dev');

    expect(await chat.say('bb: notify on failure recovery', /now gets/)).toContain('#dev now gets: failure, recovery.');
    expect(await chat.say('bb: notify on failures', /Usage/)).toMatch(/unknown event "failures"; the events are started, finished, success, failure, .*executor, tiers \(or all\)\. Usage: notify on\|off\|list/);

    const b1 = await chat.build('test_a');
    expect(b1.result).toBe('FAILURE');
    expect(dev()).toEqual(['linux #1: FAILURE in test; failed tests: test_a | HEAD | https://ci.example.org/builders/linux/builds/1']);
    await chat.build('test_a');
    expect(dev()).toHaveLength(1);
    await chat.build('test_a', 'test_b');
    // test_b was not run by #2: it is named once as a new failing test (no Problem comes of it).
    expect(dev()[1]).toBe('linux #3: FAILURE (failing differently) in test; failed tests: test_a, test_b; new failing tests: test_b | HEAD | https://ci.example.org/builders/linux/builds/3');
    await chat.build();
    expect(dev()[2]).toBe('linux #4: SUCCESS (fixed) | HEAD | https://ci.example.org/builders/linux/builds/4');

    expect(await chat.say('bb: mute', /Muted/)).toContain('Muted: no announcements to #dev until someone says "bb: unmute".');
    expect(await chat.say('bb: status linux', /linux:/)).toMatch(/linux: idle; last #4 SUCCESS/);
    await chat.build('test_c');
    expect(dev()).toHaveLength(3);
    expect(await chat.say('bb: unmute', /Unmuted/)).toContain('Unmuted #dev: subscribed to failure, recovery.');

    // A watch tells #dev how the next build ends, though #dev is not subscribed to repeats.
    expect(await chat.say('bb: watch linux', /idle/)).toContain("linux is idle; I'll say here how its next build ends.");
    expect(await chat.say('bb: notify list', /gets/)).toContain('#dev gets: failure, recovery. Watching: linux (next build).');
    await chat.build('test_c');
    expect(dev()[3]).toBe('linux #6: FAILURE (still failing) in test; failed tests: test_c | HEAD | https://ci.example.org/builders/linux/builds/6');
    await chat.build('test_c');
    expect(dev()).toHaveLength(4);
    expect(await chat.say('bb: watch linux 6', /linux #6/)).toContain('linux #6: FAILURE (still failing) in test');
    expect(await chat.say('bb: watch linx', /no builder/)).toContain('There is no builder "linx" (builders: linux).');
    expect(await chat.say('bb: watch linux 99', /not started/)).toContain("linux #99 has not started yet; I'll say here how it ends.");

    // In a DM, notify is the person's own.
    expect(await chat.say('/msg bb notify on', /DM to warner/)).toContain('You now get in DMs: failure, recovery.');

    // A new master on the same prefix: subscriptions, mutes and watches are where they were.
    expect(await chat.say('bb: mute', /Muted/)).toBeTruthy();
    await chat.stop();
    await fx.master!.stop();
    await fx.startMaster();
    chat = await chatSide(fx, outbox);
    await waitFor('executor a again', async () => (await fx.store.getExecutor('a'))?.state === 'connected', 30_000);
    expect(await chat.say('bb: notify list', /gets/)).toContain('#dev gets: failure, recovery. Muted (say "unmute" to hear them). Watching: linux #99.');
    await chat.build();
    expect(dev()).toHaveLength(4);
    expect(outbox.to('dm:shell:warner')).toEqual(['linux #8: SUCCESS (fixed) | HEAD | https://ci.example.org/builders/linux/builds/8']);
    expect(await chat.say('bb: unmute', /Unmuted/)).toBeTruthy();
    await chat.build('test_d');
    expect(dev()[4]).toMatch(/^linux #9: FAILURE \(new failure\) in test; failed tests: test_d; new failing tests: test_d \|/);
    await chat.stop();
  });
});
