import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';
import { waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';

/**
 * What people hear of tiers on a real InspIRCd: tier events are their own announcement class
 * (a channel without `tiers` hears none), owners on IRC get a DM and owners who are not on chat
 * an email, and a demotion that expires while the master is down is said in the channel once
 * the new master's chat is connected.
 */

const fast = { irc: { reconnect: { initialMs: 100, maxMs: 300, jitter: 0.2 }, queryTimeoutMs: 3000 }, drain: { retryMs: 100, maxRetryMs: 500, pollMs: 50 } };
const STAMP = /^\[\d\d:\d\d UTC\] /;

let ircd: TestIrcd;
let smtp: TestSmtp;
let fx: PipelineFixture | undefined;
let zooko: IrcHuman | undefined;

beforeAll(async () => {
  [ircd, smtp] = await Promise.all([startIrcd(), TestSmtp.start()]);
}, 60_000);

afterAll(async () => {
  await zooko?.quit().catch(() => undefined);
  await fx?.close();
  await ircd?.stop();
  await smtp?.close();
});

describe('tier announcements on IRC', () => {
  it('the tiers class, owners by DM or email, and an expiry during a restart said once chat is back', async () => {
    fx = await PipelineFixture.create('tiersirc', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      builders: [
        { name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
        { name: 'windows', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
        { name: 'package', tier: 'unsupported', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
      ],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'windows', 'package'] }],
      packages: { builder: 'package' },
      tiers: { owners: { windows: ['zooko', 'meejah'] } },
      chat: {
        irc: { host: '127.0.0.1', port: ircd.port, tls: false, nick: 'bb', channels: ['#dev', '#quiet'] },
        announce: [{ target: 'irc:#dev', events: ['tiers'] }, { target: 'irc:#quiet', events: ['failure'] }],
        permissions: { everyone: true },
      },
      users: {
        smtp: smtpSettings(smtp.port),
      },
    }));
    const master = await fx.startMaster({ chatTuning: fast });
    await fx.store.users.put({ name: 'zooko', emails: ['zooko@example.org'], authors: [], ircNick: 'zooko', createdAt: Date.now() });
    await fx.store.users.put({ name: 'meejah', emails: ['meejah@example.org'], authors: [], createdAt: Date.now() });
    zooko = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'zooko', channels: ['#dev', '#quiet'] });
    const h = zooko;
    await waitFor('the bot in #dev and #quiet', async () => / 353 .*[ :@]bb(\s|$)/.test(await h.command('NAMES #quiet', / 353 /)) && / 353 .*[ :@]bb(\s|$)/.test(await h.command('NAMES #dev', / 353 /)), 20_000, 200);
    h.say('#dev', 'hello');
    const fromBot = (m: SeenMessage) => m.nick === 'bb';

    await master.tiers.demote({ builder: 'windows', by: 'warner', reason: 'vm rebuilt', forMs: 5000 });
    const line = 'windows demoted to unsupported by warner for 5s: vm rebuilt. It no longer holds packages back.';
    await h.waitFor((m) => fromBot(m) && m.target === '#dev' && m.text === `${line} (owners: zooko, meejah)`, 20_000);
    // zooko is on IRC: a DM; meejah is not on chat: an email.
    await h.waitFor((m) => fromBot(m) && m.target === 'zooko' && m.text === line, 20_000);
    const mail = await waitFor('the mail to meejah', () => smtp.messages.find((m) => m.to.includes('meejah@example.org')) ?? null, 20_000);
    expect(mail.text).toContain(line);
    expect(mail.text).toContain('You are an owner of the builder windows');
    expect(smtp.messages.filter((m) => m.to.includes('zooko@example.org'))).toEqual([]);

    // The master stops while the demotion lasts; it expires while no master runs.
    const until = (await master.tiers.list()).find((x) => x.builder === 'windows')!.override!.until!;
    await master.stop();
    await waitFor('the demotion to be over', () => Date.now() > until + 50, 20_000, 100);
    const seenBefore = h.seen.length;
    await fx.startMaster({ chatTuning: fast });
    const back = 'windows promoted back to supported: its demotion by warner expired.';
    await h.waitFor((m) => fromBot(m) && m.target === '#dev' && m.text.replace(STAMP, '') === `${back} (owners: zooko, meejah)`, 30_000, seenBefore);
    await waitFor('the mail to meejah about the promotion', () => smtp.messages.find((m) => m.to.includes('meejah@example.org') && m.text.includes(back)) ?? null, 20_000);
    await fx.master!.tiers.idle();
    await fx.master!.chat!.outboxSettled();
    // Said once in #dev, never in #quiet (not subscribed to the tiers class).
    const said = h.seen.slice(seenBefore).filter((m) => fromBot(m) && m.target === '#dev' && m.text.includes('promoted back'));
    expect(said).toHaveLength(1);
    expect(h.seen.filter((m) => fromBot(m) && m.target === '#quiet')).toEqual([]);

    // Said in #dev, which hears tier events: one line there each (the reply), not two.
    const from = h.seen.length;
    h.say('#dev', 'bb: demote windows for 1h because flaky vm');
    await h.waitFor((m) => fromBot(m) && m.target === '#dev' && m.text.includes('windows is unsupported now for 1h'), 20_000, from);
    h.say('#dev', 'bb: tree close release freeze');
    await h.waitFor((m) => fromBot(m) && m.target === '#dev' && m.text.includes('The tree is closed: release freeze'), 20_000, from);
    h.say('#dev', 'bb: promote windows');
    await h.waitFor((m) => fromBot(m) && m.target === '#dev' && m.text.includes('windows is supported now'), 20_000, from);
    // The owner's DMs come after the announcement would have: once they are there, #dev is complete.
    await h.waitFor((m) => fromBot(m) && m.target === 'zooko' && m.text.startsWith('windows promoted to supported by'), 20_000, from);
    await fx.master!.tiers.idle();
    await fx.master!.chat!.outboxSettled();
    expect(h.seen.slice(from).filter((m) => fromBot(m) && m.target === '#dev').map((m) => m.text)).toEqual([
      'windows is unsupported now for 1h: flaky vm. It no longer holds packages back.',
      'The tree is closed: release freeze',
      'windows is supported now; it gates packages again.',
    ]);
  }, 120_000);
});
