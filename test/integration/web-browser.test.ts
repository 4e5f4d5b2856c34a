import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { waitFor } from '../harness/bb.js';
import { launchBrowser, openPage, screenshot } from '../harness/browser.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';
import { freePort } from '../../src/util/net.js';
import type { Build } from '../../src/model/build.js';

/**
 * The web pages in headless Chromium (Debian's), against a real master, Redis, executor and IRC
 * network: the link of a real announcement, a live log, hostile commit messages and test names.
 */

let ircd: TestIrcd;
let smtp: TestSmtp;
let fx: PipelineFixture;
let dev: IrcHuman;
let browser: Browser;
let base: string;
const finished: Build[] = [];

const XSS_TEST = `<img src=x onerror="window.__xss='img'"> and <script>window.__xss='script'</script>`;

function config(ircPort: number, webPort: number, smtpPort: number): TestConfig {
  return testConfig({
    title: 'bb browser test',
    titleUrl: `http://127.0.0.1:${webPort}`,
    http: { host: '127.0.0.1', port: webPort },
    executors: [{ name: 'a', secret: SECRET_A, maxBuilds: 2 }],
    builders: [
      { name: 'linux', executors: ['a'], category: 'os', steps: [
        { type: 'shell', name: 'compile', command: 'printf "\\033[32mcompiled\\033[0m ok\\n"' },
        { type: 'shell', name: 'test', command: 'echo "<img src=x onerror=window.__xss=7>" && cp BASEDIR/results.tap results.tap && ! grep -q "^not ok" results.tap', testResults: { format: 'tap', path: 'results.tap' } },
      ] },
      { name: 'slow', executors: ['a'], category: 'os', steps: [
        { type: 'shell', name: 'loop', command: 'i=0; while [ ! -f BASEDIR/stop-slow ]; do i=$((i+1)); echo "tick $i <b>not bold</b> <img src=x onerror=window.__xss=$i>"; sleep 0.2; done; echo done' },
      ] },
    ],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux'] },
      { type: 'force', name: 'force', builders: ['linux', 'slow'] },
    ],
    chat: {
      botName: 'bb',
      irc: { host: '127.0.0.1', port: ircPort, tls: false, nick: 'bb', channels: ['#dev'] },
      announce: [{ target: 'irc:#dev', events: ['failure', 'problem'] }],
    },
    users: { smtp: smtpSettings(smtpPort, 'bb@example.org') },
    problems: { confirm: false, hassle: { quietHours: false, ladder: [{ after: '0s', to: ['guilty'], via: ['email', 'channel'] }, { after: '1h', to: ['guilty'], via: ['email'] }], channels: ['irc:#dev'] } },
  });
}

beforeAll(async () => {
  [ircd, smtp] = await Promise.all([startIrcd(), TestSmtp.start()]);
  dev = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'dev', channels: ['#dev'] });
  const webPort = await freePort();
  base = `http://127.0.0.1:${webPort}`;
  fx = await PipelineFixture.create('webbrowser', config(ircd.port, webPort, smtp.port));
  mkdirSync(join(fx.dir, 'master'), { recursive: true });
  await fx.startMaster();
  await fx.store.users.put({ name: 'zooko', emails: ['zooko@example.org'], authors: [], createdAt: 0 });
  fx.store.bus.on('build.finished', (b) => finished.push(b));
  await fx.startExecutor('a', SECRET_A, 2);
  await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
  await waitFor('the bot in #dev', async () => / 353 .*[ :@]bb(\s|$)/.test(await dev.command('NAMES #dev', / 353 /)), 15_000, 200);
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await dev?.quit().catch(() => undefined);
  await fx?.close();
  await ircd?.stop();
  await smtp?.close();
});

describe('web pages in Chromium', () => {
  it('a failing build announced on IRC links to a page that shows the failing test; hostile text runs nothing', async () => {
    writeFileSync(join(fx.dir, 'master', 'results.tap'), `TAP version 13\n1..2\nok 1 - passes\nnot ok 2 - ${XSS_TEST}\n`);
    const from = dev.seen.length;
    await fx.client.sendChange({
      author: 'Mallory <mallory@example.org>',
      comments: `<script>window.__xss='msg'</script> <img src=x onerror="window.__xss='msgimg'"> <a href="javascript:window.__xss='href'">click</a> javascript:alert(1)`,
      revision: 'deadbeef01',
      branch: 'main',
    });
    const said = await dev.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && /linux #\d+: FAILURE/.test(m.text), 60_000, from);
    const url = /(http:\/\/\S+\/builders\/linux\/builds\/\d+)/.exec(said.text)?.[1];
    expect(url, said.text).toBeDefined();

    const { page, errors, dialogs } = await openPage(browser);
    await page.goto(url!);
    const failed = page.locator('table.tests.failed tr.t-fail');
    await failed.first().waitFor();
    expect(await failed.count()).toBe(1);
    expect(await failed.first().innerText()).toContain(`<img src=x onerror="window.__xss='img'">`);
    expect(await page.locator('h1').innerText()).toMatch(/linux #\d+ FAILURE/);
    // The commit message is shown as text; no script ran, no link to javascript: exists, no email in full.
    expect(await page.locator('.change .msg').innerText()).toContain(`<script>window.__xss='msg'</script>`);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#log-1 .log').textContent()).toContain('<img src=x onerror=window.__xss=7>');
    expect(await page.content()).not.toContain('mallory@example.org');
    expect(dialogs).toEqual([]);
    await screenshot(page, 'build-failed', 'web-build-page');

    // Line links: #s0L1 highlights the line; the step's own log page takes a range.
    await page.goto(`${url}/steps/compile/log#L1-L1`);
    await expect.poll(() => page.locator('.ll.hl').count()).toBe(1);
    expect(await page.locator('.ll .f2').innerText()).toBe('compiled');

    // `log linux` (asked in private: a channel reply is capped to 5 lines) ends with the link to the whole log.
    const asked = dev.seen.length;
    dev.say('bb', 'log linux');
    const logReply = await dev.waitFor((m) => m.nick === 'bb' && /^full log: /.test(m.text), 15_000, asked);
    expect(logReply.text).toBe(`full log: ${url}/steps/1/log`);
    // In the channel the reply is cut to 5 lines; its last line still ends with the link.
    const inChannel = dev.seen.length;
    dev.say('#dev', 'bb: log linux');
    const cut = await dev.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && /more lines?: /.test(m.text), 15_000, inChannel);
    expect(cut.text).toMatch(new RegExp(`more lines?: full log: ${url!.replace(/[.]/g, '\\.')}/steps/1/log$`));
    await page.goto(logReply.text.slice('full log: '.length));
    expect(await page.locator('h1').innerText()).toMatch(/linux #\d+ step test FAILURE/);

    // Without JavaScript the page is whole: the failing test, the log, the links.
    const plain = await openPage(browser, { javaScript: false });
    await plain.page.goto(url!);
    expect(await plain.page.locator('table.tests.failed tr.t-fail').count()).toBe(1);
    expect(await plain.page.locator('#log-1 .ll').count()).toBeGreaterThan(3);
    await plain.page.goto(`${url}/steps/test/log?q=exit`);
    expect(await plain.page.locator('main').innerText()).toMatch(/1 line containing “exit”/);
    await plain.page.context().close();

    await page.goto(`${base}/changes/1`);
    expect(await page.locator('.msg').innerText()).toContain('<script>');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('a running build’s log grows on the open page without a reload, and the page ends with the result', async () => {
    const before = finished.length;
    await fx.client.control({ v: 1, type: 'force', builders: ['slow'], owner: 'test' });
    const build = await waitFor('the slow build to print', async () => {
      const b = (await fx.store.lastBuilds('slow', 1))[0];
      return b && (await fx.store.readLog(b.id, 0)).chunks.some((c) => c.text.includes('tick 2')) ? b : null;
    }, 60_000);
    const { page, dialogs } = await openPage(browser, { colorScheme: 'dark' });
    await page.goto(`${base}/builders/slow/builds/${build.number}`);
    await page.evaluate('window.__same = 1');
    // Scrolled to the end, the page follows the tail as lines arrive.
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    const lines = page.locator('#log-0 .ll');
    const first = await lines.count();
    await expect.poll(() => lines.count(), { timeout: 30_000 }).toBeGreaterThan(first + 10);
    expect(await page.evaluate('window.__same')).toBe(1);
    await expect.poll(() => page.evaluate('window.innerHeight + window.scrollY >= document.body.scrollHeight - 80')).toBe(true);
    // Lines that arrived live are escaped as those rendered by the server: shown as text, run nothing.
    expect(await lines.nth(first + 5).innerText()).toMatch(/tick \d+ <b>not bold<\/b> <img src=x onerror=window.__xss=\d+>/);
    expect(await page.locator('#log-0 img, #log-0 b').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await screenshot(page, 'build-running-dark');
    // The dark theme is dark: light text on a dark page (prefers-color-scheme), the log included.
    const luminance = async (sel: string, prop: 'color' | 'backgroundColor') => {
      const rgb = String(await page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(sel)}))[${JSON.stringify(prop)}]`));
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
    };
    expect(await luminance('body', 'backgroundColor')).toBeLessThan(0.2);
    expect(await luminance('body', 'color')).toBeGreaterThan(0.7);
    expect(await luminance('#log-0 .log', 'color')).toBeGreaterThan(0.7);
    // The step's own log page (2,000 lines a screen) is live at its end too, and its search finds lines.
    const logPage = await openPage(browser);
    await logPage.page.goto(`${base}/builders/slow/builds/${build.number}/steps/0/log`);
    await logPage.page.evaluate('window.__same = 1');
    const logLines = logPage.page.locator('.log .ll');
    const had = await logLines.count();
    await expect.poll(() => logLines.count(), { timeout: 30_000 }).toBeGreaterThan(had + 3);
    expect(await logPage.page.evaluate('window.__same')).toBe(1);
    await logPage.page.goto(`${base}/builders/slow/builds/${build.number}/steps/0/log?q=${encodeURIComponent('tick 2 ')}`);
    expect(await logPage.page.locator('main').innerText()).toMatch(/1 line containing/);
    // On the console the running build's cell says "run" and pulses (unless the reader asks for reduced motion).
    await logPage.page.goto(base + '/');
    const cell = logPage.page.locator(`a.r-running[href="/builders/slow/builds/${build.number}"]`);
    expect(await cell.innerText()).toBe(`#${build.number} run`);
    expect(await logPage.page.evaluate(`getComputedStyle(document.querySelector('a.r-running[href="/builders/slow/builds/${build.number}"]')).animationName`)).toBe('pulse');
    await logPage.page.context().close();
    writeFileSync(join(fx.dir, 'master', 'stop-slow'), '');
    await waitFor('the slow build to finish', () => finished.length > before, 30_000);
    await expect.poll(() => page.locator('h1 .res').innerText(), { timeout: 30_000 }).toBe('SUCCESS');
    const text = await page.locator('#log-0 .log').textContent();
    expect(text).toMatch(/tick 1 [\s\S]*tick 3 [\s\S]*done/);
    expect(dialogs).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('the console updates without a reload when a build starts and ends', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(base + '/');
    await page.evaluate('window.__same = 1');
    const slowRow = page.locator('tr', { has: page.locator('a[href="/builders/slow"]') });
    const before = await slowRow.innerText();
    const n = (await fx.store.lastBuilds('slow', 1))[0]!.number + 1;
    // stop-slow exists now: this build prints once and ends.
    await fx.client.control({ v: 1, type: 'force', builders: ['slow'], owner: 'test' });
    await expect.poll(() => slowRow.innerText(), { timeout: 30_000 }).toContain(`#${n} ok`);
    expect(before).not.toContain(`#${n}`);
    expect(await page.evaluate('window.__same')).toBe(1);
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('the main pages render (screenshots kept), on a phone too; a Problem shows its blame and next reminder', async () => {
    // linux passes, then fails: a Problem with its guilty and its ladder.
    for (const fail of [false, true]) {
      writeFileSync(join(fx.dir, 'master', 'results.tap'), `TAP version 13\n1..1\n${fail ? 'not ok' : 'ok'} 1 - t_net\n`);
      const before = finished.length;
      await fx.client.sendChange({ author: `Zooko <zooko@example.org>`, comments: fail ? 'net: break it' : 'net: fine', revision: fail ? 'cafe0002' : 'cafe0001', branch: 'main' });
      await waitFor('the linux build', () => finished.length > before, 60_000);
    }
    // The Problem opens after the build's end is stored (its detector reads it): wait for that state.
    await waitFor('Problem 1 opened', async () => (await fx.store.problems.get(1)) ?? null, 30_000);
    const { page, errors } = await openPage(browser);
    await page.goto(base + '/problems');
    await page.locator('a[href="/problems/1"]').first().click();
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/^Problem 1 /);
    expect(await page.locator('table.kv').innerText()).toMatch(/guilty\s+zooko/);
    expect(await page.locator('table.kv').innerText()).toMatch(/last good\.\.first bad\s+cafe0001\.\.cafe0002/);
    expect(await page.locator('table.kv').innerText()).toMatch(/next reminder\s+L\d/);
    await screenshot(page, 'problem');
    // The failing build links to its Problem.
    await page.locator('table.kv a[href^="/builders/linux/builds/"]').first().click();
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/^linux #\d+ FAILURE/);
    expect(await page.locator('a[href="/problems/1"]').innerText()).toBe('Problem 1');
    for (const [path, name] of [['/', 'console'], ['/builders/linux', 'builder'], ['/buildsets/1', 'buildset'], ['/changes/3', 'change'], ['/problems', 'problems'], ['/problems/1', 'problem'], ['/tiers', 'tiers'], ['/packages', 'packages'], ['/tree', 'tree']] as const) {
      const res = await page.goto(base + path);
      expect(res?.status(), path).toBe(200);
      expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
      // The authors' and the guilty's addresses are never shown in full.
      expect(await page.content(), path).not.toMatch(/(mallory|zooko)@example\.org/);
      await screenshot(page, name, name === 'console' || name === 'problems' ? `web-${name}` : undefined);
    }
    expect(await page.locator('body').innerText()).toBeTruthy();
    // Every link bb put in chat (announcements, the hassle line in #dev, the `log` reply) or in the
    // hassle mail resolves to a page: a build, a step's log, a Problem; none is a 404.
    const mail = await smtp.mailTo('zooko@example.org');
    await dev.waitFor((m) => m.nick === 'bb' && /\/problems\/1\b/.test(m.text), 30_000);
    const said = dev.seen.filter((m) => m.nick === 'bb').map((m) => m.text);
    const links = new Set([...said, mail.text].flatMap((t) => [...t.matchAll(/https?:\/\/[^\s<>|)]+/g)].map((m) => m[0].replace(/[.,;:]+$/, ''))));
    const forms = new Set([...links].map((l) => l.slice(base.length).replace(/\d+/g, 'N').replace(/\/steps\/[^/]+/, '/steps/S')));
    expect([...forms].sort()).toEqual(['/builders/linux/builds/N', '/builders/linux/builds/N/steps/S/log', '/problems/N']);
    expect(mail.text).toContain(`${base}/problems/1`);
    for (const link of links) {
      expect(link.startsWith(base + '/'), link).toBe(true);
      const res = await page.goto(link);
      expect(res?.status(), link).toBe(200);
      expect(await page.locator('h1').innerText(), link).not.toMatch(/not found/i);
    }
    // Reminders by channel, chat lines by transport, changes by source: counted as they happened.
    const metrics = await (await page.goto(base + '/metrics'))!.text();
    expect(metrics).toMatch(/^bb_reminders_total\{via="email",outcome="sent"\} [1-9]/m);
    expect(metrics).toMatch(/^bb_reminders_total\{via="channel",outcome="sent"\} [1-9]/m);
    expect(metrics).toMatch(/^bb_chat_lines_sent_total\{transport="irc"\} [1-9]/m);
    expect(metrics).toMatch(/^bb_changes_received_total\{source="sendchange"\} 3$/m);
    const health = await page.goto(base + '/healthz');
    expect(JSON.parse(await health!.text())).toMatchObject({ ok: true, redis: { ok: true }, chat: [{ transport: 'irc', connected: true }] });
    const phone = await openPage(browser, { width: 390 });
    await phone.page.goto(base + '/');
    const wide = await phone.page.evaluate('document.documentElement.scrollWidth');
    expect(wide).toBeLessThanOrEqual(400);
    await screenshot(phone.page, 'console-phone');
    // The other main pages fit a phone too (their wide tables scroll sideways inside the page).
    for (const [path, name] of [['/problems', 'problems-phone'], ['/problems/1', 'problem-phone'], ['/builders/linux/builds/1', 'build-phone'], ['/builders/linux', 'builder-phone']] as const) {
      await phone.page.goto(base + path);
      expect(await phone.page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(400);
      await screenshot(phone.page, name);
    }
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
    await phone.page.context().close();
  }, 150_000);
});
