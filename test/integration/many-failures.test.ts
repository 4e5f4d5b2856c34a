import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { makeRepo } from '../harness/git.js';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { freePort, startIrcd, type TestIrcd } from '../harness/ircd.js';
import { smtpSettings, TestSmtp, type ReceivedMail } from '../harness/smtp.js';
import { testConfig, type BuilderInput } from '../harness/config.js';

type Step = NonNullable<BuilderInput['steps']>[number];

const run = promisify(execFile);
const fetchText = (port: number, path: string) =>
  new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
const BOT_SASL = 'bot-sasl-password';
const fast = { irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 }, queryTimeoutMs: 3000 } };

/** A pytest report in which one commit broke 46 tests in 6 files (some short names shared), and the same all passing. */
const broken = readFileSync(new URL('../fixtures/junit/many-failures.xml', import.meta.url), 'utf8');
const passing = broken.replace(/<failure[\s\S]*?<\/failure>/g, '');
const testStep: Step = { type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml && ! grep -q "<failure" out.xml'], testResults: { format: 'junit', path: 'out.xml' } };

let ircd: TestIrcd;
let smtp: TestSmtp;
beforeAll(async () => {
  [ircd, smtp] = await Promise.all([startIrcd(), TestSmtp.start()]);
  await Promise.all(['bbbot', 'warner'].map((a) => ircd.registerAccount(a, a === 'bbbot' ? BOT_SASL : `${a}-password`)));
});
afterAll(async () => {
  await smtp?.close();
  await ircd?.stop();
});

const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));
const newMail = (to: string, after: number): Promise<ReceivedMail> => waitFor(`mail ${after + 1} to ${to}`, () => mailsTo(to)[after] ?? null, 20_000);
/** Quotes on one IRC line come in pairs: no line break fell inside `"bb: ack 1"`. */
const quotesPaired = (m: SeenMessage) => (m.text.match(/"/g)?.length ?? 0) % 2 === 0;

describe('one commit breaks 46 tests: short messages, the whole list one step away (real IRC, SMTP, builds)', () => {
  let fx: PipelineFixture;
  let warner: IrcHuman | undefined;
  afterEach(async () => {
    await warner?.quit().catch(() => undefined);
    await fx?.close();
  });

  it('mail subjects are one line with a count, bodies and DMs say where the rest is, and the list is paged by DM and whole on the CLI', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': passing }, 'initial');
    fx = await PipelineFixture.create('many', testConfig({
      titleUrl: 'https://ci.example.org/',
      http: { host: '127.0.0.1', port: 0 },
      executors: [{ name: 'a', secret: SECRET_A }],
      repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
      builders: [{ name: 'py312', executors: ['a'], steps: [{ type: 'checkout' }, testStep] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.3, builders: ['py312'] }],
      chat: {
        irc: { host: '127.0.0.1', port: ircd.port, tls: false, nick: 'bb', sasl: { account: 'bbbot', password: { value: BOT_SASL } }, channels: ['#dev'], throttle: { burst: 20, intervalMs: 100 } },
        announce: [{ target: 'irc:#dev', events: ['problem', 'failure'] }],
      },
      users: {
        smtp: smtpSettings(smtp.port),
      },
      // quietHours off: the reminders go at once whatever the hour the test runs (22:00-08:00 would hold them).
      problems: { confirm: false, interested: { py312: ['meejah'] }, hassle: { quietHours: false } },
    }));
    const master = await fx.startMaster({ chatTuning: fast });
    const port = master.http!.address!.port;
    await fx.startExecutor('a', SECRET_A);
    for (const [name, email, extra] of [
      ['warner', 'warner@example.org', { ircAccount: 'warner', authors: ['Brian Warner <warner@example.org>'] }],
      ['meejah', 'meejah@example.org', {}],
    ] as const) {
      expect(await fx.client.control({ v: 1, type: 'user', op: 'add', name, emails: [email], ...extra })).toMatchObject({ user: { name } });
    }
    warner = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'brian', sasl: { account: 'warner', password: 'warner-password' }, channels: ['#dev'] });
    await waitFor('the bot in #dev', async () => (await warner!.command('NAMES #dev', / 353 /)).includes('bb'), 20_000);
    warner.say('#dev', 'good morning');

    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head(), 20_000);
    repo.commit('Zooko Wilcox <zooko@example.org>', { README: 'hi\n' }, 'readme');
    await waitFor('a green build', async () => (await fx.builds('py312'))[0]?.result === 'SUCCESS', 30_000);
    const bad = repo.commit('Brian Warner <warner@example.org>', { 'results.xml': broken }, 'Pygments 2.19: one-line change');
    const p = await waitFor('problem 1', async () => ((await fx.store.problems.get(1))?.state === 'confirmed' ? fx.store.problems.get(1) : null), 40_000);
    expect(p.subjects).toHaveLength(46);
    // The executor kept each test's file (pytest xunit1 names it); the Problem keeps it, and each name as shown:
    // test_links is qualified because tests.test_toc.TestToc.test_links, which passes, shares its name.
    const stored = await fx.store.getTests(p.builders[0]!.firstBadBuildId);
    expect(stored.find((t) => t.name === 'test_links' && t.outcome === 'fail')).toMatchObject({ suite: 'tests.test_parse.TestParse', file: 'tests/test_parse.py' });
    expect(p.subjects.find((s) => s.name === 'test_links')).toMatchObject({ file: 'tests/test_parse.py', label: 'TestParse.test_links' });

    // The channel hears a count and the biggest file, and the pages' addresses, one line each.
    const failed = await warner.waitFor((m) => m.target === '#dev' && /^py312 #\d+: FAILURE/.test(m.text), 20_000);
    expect(failed.text).toMatch(new RegExp(`^py312 #(\\d+): FAILURE \\(new failure\\) in test; 46 tests in test_syntax\\.py and 5 more files failed \\| ${bad.slice(0, 12)} by Brian Warner \\| https://ci\\.example\\.org/builders/py312/builds/\\1$`));
    const announced = await warner.waitFor((m) => m.target === '#dev' && /problem #1 opened/.test(m.text), 20_000);
    expect(announced.text).toBe(`problem #1 opened: 46 tests in test_syntax.py and 5 more files fail on py312 since ${bad.slice(0, 12)} | guilty warner | https://ci.example.org/problems/1`);

    // The DM reminder: a count, the grouping, the first names, where the rest is; no line breaks inside a quoted command.
    await warner.waitFor((m) => m.nick === 'bb' && m.target === 'brian' && /^… \d+ more not shown; the whole list/.test(m.text), 20_000);
    const dm = warner.seen.filter((m) => m.nick === 'bb' && m.target === 'brian');
    expect(dm[0]!.text).toMatch(new RegExp(`^Problem #1: 46 tests in test_syntax\\.py and 5 more files fail on py312 since ${bad.slice(0, 12)} `));
    expect(dm.map((m) => m.text).join('\n')).toContain('When you are on it say "bb: ack 1"; if it is not yours, "bb: not me 1".');
    expect(dm.every(quotesPaired)).toBe(true);
    expect(dm.find((m) => m.text.startsWith('46 tests in 6 files'))?.text).toBe('46 tests in 6 files (30 in test_syntax.py, 8 in test_parse.py, 3 in test_extensions.py, 3 more files):');
    expect(dm.at(-1)!.text).toBe('… 35 more not shown; the whole list: "bb problem 1 --tests" on the command line, "bb: problem 1 tests" by DM, or https://ci.example.org/problems/1.');
    expect(dm.length).toBeLessThanOrEqual(6);

    // meejah (interested, not on chat) is mailed: a one-line subject, every name in the body, one a line.
    const opened = await newMail('meejah@example.org', 0);
    expect(opened.subject).toBe('[bb] problem #1 opened: 46 tests in test_syntax.py and 5 more files fail on py312');
    expect(opened.text).toContain('test_syntax.py (30):\n  test_highlight_python\n');
    expect(opened.text).toContain('\n  test_syntax.TestCodeHilite.testBasicCodeHilite\n');
    expect(opened.text).toContain('\n  test_extensions.TestCodeHilite.testBasicCodeHilite\n');
    expect(opened.text).toContain('test_parse.py (8):\n  TestParse.test_empty\n');
    expect(opened.text).toContain('\n  TestParse.test_links\n');
    expect(opened.text).toContain('Details: https://ci.example.org/problems/1');

    // The whole list by DM: 46 names fit one page of packed lines.
    let from = warner.seen.length;
    warner.say('bb', 'problem 1 tests');
    await warner.waitFor((m) => m.nick === 'bb' && /^test_cli\.py \(1\): test_stdin$/.test(m.text), 20_000, from);
    const listed = warner.seen.slice(from).filter((m) => m.nick === 'bb').map((m) => m.text);
    expect(listed[0]).toBe('Problem 1: 46 tests in 6 files (30 in test_syntax.py, 8 in test_parse.py, 3 in test_extensions.py, 3 more files):');
    for (const name of ['test_highlight_python', 'TestHighlight.test_empty', 'TestParse.test_empty', 'TestParse.test_links', 'test_syntax.TestCodeHilite.testBasicCodeHilite', 'test_extensions.TestCodeHilite.testBasicCodeHilite', 'test_render_roundtrip[', 'test_stdin']) {
      expect(listed.join('\n')).toContain(name);
    }
    expect(listed.slice(1).join(', ').split(/, |: /).filter((n) => /^(test|Test)/.test(n) && !/\(\d+\)$/.test(n))).toHaveLength(46);
    // In the channel, pages are 3 lines, each saying how to get the next.
    from = warner.seen.length;
    warner.say('#dev', 'bb: problem 1 tests 2');
    const next = await warner.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && /^Next: "bb: problem 1 tests 3" \(page 3 of 3\)\.$/.test(m.text), 20_000, from);
    const page2 = warner.seen.slice(from, warner.seen.indexOf(next) + 1).filter((m) => m.nick === 'bb' && m.target === '#dev');
    expect(page2[0]!.text).toMatch(/^Problem 1: 46 tests in 6 files \(.*\); page 2 of 3:$/);
    expect(page2).toHaveLength(5);

    // `problem 1` in the channel is cut at 5 lines, and the cut says where the rest is.
    from = warner.seen.length;
    warner.say('#dev', 'bb: problem 1');
    const cut = await warner.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && /^… \d+ more lines/.test(m.text), 20_000, from);
    expect(cut.text).toMatch(/^… \d+ more lines: the tests: "bb: problem 1 tests"; the rest: "bb problem 1" on the command line$/);

    // The CLI: every test as JSON, and as text.
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const json = JSON.parse((await run(process.execPath, ['bin/bb.js', 'problem', '1', '--tests', '--json'], { cwd: ROOT, env })).stdout) as { count: number; tests: Array<{ suite: string; name: string; group: string; label: string }> };
    expect(json.count).toBe(46);
    expect(json.tests).toContainEqual({ suite: 'tests.test_parse.TestParse', name: 'test_links', file: 'tests/test_parse.py', group: 'test_parse.py', label: 'TestParse.test_links' });
    const text = (await run(process.execPath, ['bin/bb.js', 'problem', '#1', '--tests'], { cwd: ROOT, env })).stdout.split('\n');
    expect(text[0]).toBe('Problem 1 [confirmed]: 46 tests in test_syntax.py and 5 more files');
    expect(text.filter((l) => l.startsWith('  '))).toHaveLength(46);
    const shown = (await run(process.execPath, ['bin/bb.js', 'problem', '1'], { cwd: ROOT, env })).stdout;
    expect(shown).toMatch(/^Problem 1 \[confirmed\]: 46 tests in test_syntax\.py and 5 more files\n46 tests in 6 files/);
    expect(shown).toMatch(/^guilty: warner.*; responsible: warner/m);
    expect(shown).toMatch(/^reminders \(\d+\):$/m);
    expect((await run(process.execPath, ['bin/bb.js', 'problems'], { cwd: ROOT, env })).stdout).toMatch(/^#1 \[confirmed\] 46 tests in test_syntax\.py and 5 more files on py312 since [0-9a-f]{12} \(.*\); guilty warner\n$/);
    const all = JSON.parse((await run(process.execPath, ['bin/bb.js', 'problems', '--all', '--json'], { cwd: ROOT, env })).stdout) as Array<{ id: number }>;
    expect(all.map((x) => x.id)).toEqual([1]);
    await expect(run(process.execPath, ['bin/bb.js', 'problem', '7'], { cwd: ROOT, env })).rejects.toMatchObject({ stderr: 'bb: there is no problem 7\n' });
    // The same read from the master's web API (--url, or BB_URL), with no Redis to be had.
    const base = `http://127.0.0.1:${port}/`;
    const noRedis = { ...process.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, BB_PREFIX: 'none' };
    const bb = async (args: string[], env: NodeJS.ProcessEnv = noRedis) => (await run(process.execPath, ['bin/bb.js', ...args], { cwd: ROOT, env })).stdout;
    expect(JSON.parse(await bb(['problem', '1', '--tests', '--json', '--url', base]))).toEqual(json);
    expect((await bb(['problem', '1', '--tests'], { ...noRedis, BB_URL: base })).split('\n')).toEqual(text);
    expect(await bb(['problem', '1', '--url', base])).toMatch(/^Problem 1 \[confirmed\]: 46 tests in test_syntax\.py and 5 more files\n46 tests in 6 files[^]*^guilty: warner.*; responsible: warner[^]*^reminders \(\d+\):$/m);
    expect(await bb(['problems', '--url', base])).toMatch(/^#1 \[confirmed\] 46 tests in test_syntax\.py and 5 more files on py312 since [0-9a-f]{12} \(.*\); guilty warner\n$/);
    const statusWeb = await bb(['status', 'py312', '--url', base]);
    expect(statusWeb).toContain('py312 [supported] executors: a connected');
    expect(statusWeb).toContain('  open problem 1: 46 tests in test_syntax.py and 5 more files; every test: "bb problem 1 --tests"\n');
    expect(JSON.parse(await bb(['status', '--json', '--url', base])).builders[0].last[0]).not.toHaveProperty('token');
    await expect(bb(['problem', '7', '--url', base])).rejects.toMatchObject({ stderr: 'bb: there is no problem 7\n' });
    await expect(bb(['status', 'nope', '--url', base])).rejects.toMatchObject({ stderr: expect.stringMatching(/^bb: unknown builder "nope"/) });
    const closed = await freePort();
    await expect(bb(['status', '--url', `http://127.0.0.1:${closed}/`])).rejects.toMatchObject({ stderr: `bb: cannot reach the master at http://127.0.0.1:${closed}: ECONNREFUSED\n` });

    // Status: a count of failing tests says where their names are, on the command line and in chat.
    expect((await run(process.execPath, ['bin/bb.js', 'status', 'py312'], { cwd: ROOT, env })).stdout).toContain('  open problem 1: 46 tests in test_syntax.py and 5 more files; every test: "bb problem 1 --tests"\n');
    from = warner.seen.length;
    warner.say('#dev', 'bb: status py312');
    const status = await warner.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && m.text.startsWith('py312: '), 20_000, from);
    expect(status.text).toContain('; problem #1: 46 tests in test_syntax.py and 5 more files, every test: "bb: problem 1 tests" [1/1 executors online]');

    // The web: the board gives the count, the Problem's page every test by file, named as chat and mail name them.
    expect(await fetchText(port, '/problems')).toContain('<b>46 tests in test_syntax.py and 5 more files</b>');
    const pageHtml = await fetchText(port, '/problems/1');
    expect(pageHtml).toContain('<h3>test_parse.py (8)</h3>');
    expect(pageHtml).toContain('<code title="tests.test_parse.TestParse.test_links (tests/test_parse.py)">TestParse.test_links</code>');
    expect(pageHtml.match(/<li><code /g)).toHaveLength(46);

    // The fix: the "fixed" mail has a short subject and a body that lists the tests.
    repo.commit('Brian Warner <warner@example.org>', { 'results.xml': passing }, 'Revert');
    await waitFor('problem 1 resolved', async () => (await fx.store.problems.get(1))?.state === 'resolved', 40_000);
    const fixed = await newMail('meejah@example.org', 1);
    expect(fixed.subject).toBe('[bb] fixed: problem #1, 46 tests in test_syntax.py and 5 more files on py312');
    expect(fixed.text).toMatch(/^Problem #1 is fixed after .*: 46 tests in test_syntax\.py and 5 more files pass again on py312 \(fixed in [0-9a-f]{12} by Brian Warner\)\. No more reminders about it\.\n\n46 tests in 6 files \(30 in test_syntax\.py/);
    expect(fixed.text.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(46);
    // warner, who was reminded, hears it by DM in a few lines ending with where the list is.
    const done = await warner.waitFor((m) => m.nick === 'bb' && m.target === 'brian' && /^Problem #1 is fixed/.test(m.text), 20_000);
    const after = warner.seen.slice(warner.seen.indexOf(done)).filter((m) => m.nick === 'bb' && m.target === 'brian');
    await warner.waitFor((m) => m.nick === 'bb' && m.target === 'brian' && /^… \d+ more not shown/.test(m.text), 20_000, warner.seen.indexOf(done));
    expect(after.every(quotesPaired)).toBe(true);
  }, 240_000);
});
