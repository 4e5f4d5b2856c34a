import { describe, expect, it } from 'vitest';
import type { Build, TestCaseResult } from '../../src/model/build.js';
import { buildUrl, executorNews, finishedNews, shortlist, startedNews } from '../../src/notify/news.js';
import { render, renderFor } from '../../src/notify/render.js';
import { plainStyle } from '../../src/notify/style.js';
import { htmlStyle, escapeHtml } from '../../src/notify/html-style.js';
import { ircColourStyle } from '../../src/notify/irc-style.js';
import type { ExecutorRecord } from '../../src/model/records.js';

function build(extra: Partial<Build> = {}): Build {
  return {
    id: 7, builder: 'linux', number: 12, requestId: 1, buildsetId: 1, executor: 'a', token: 't', state: 'finished',
    dispatchedAt: 0, result: 'FAILURE',
    sourcestamp: { repository: 'r', branch: 'main', revision: '0123456789abcdef0123456789abcdef01234567', project: '', changeIds: [1] },
    blamelist: ['Brian Warner <warner@example.org>', 'Zooko <zooko@example.org>'],
    properties: {},
    steps: [{ name: 'compile', state: 'done', result: 'SUCCESS' }, { name: 'test', state: 'done', result: 'FAILURE' }],
    ...extra,
  };
}
const failing = (...names: string[]): TestCaseResult[] => names.map((name) => ({ suite: 'tap', name, outcome: 'fail' }));

describe('announcement text', () => {
  it('says builder, number, result, failing steps and tests, revision, blamelist and link', () => {
    const news = finishedNews(build(), failing('test_a', 'test_b'), 'broke', 'https://ci.example.org/');
    expect(render(news, plainStyle)).toBe(
      'linux #12: FAILURE (new failure) in test; failed tests: test_a, test_b | 0123456789ab by Brian Warner, Zooko | https://ci.example.org/builders/linux/builds/12',
    );
  });

  it('lists the first few and counts the rest', () => {
    const news = finishedNews(build({ blamelist: ['a', 'b', 'c', 'd', 'e'] }), failing('t1', 't2', 't3', 't4', 't5'), 'failing differently');
    expect(render(news, plainStyle)).toBe('linux #12: FAILURE (failing differently) in test; 5 tests in tap failed | 0123456789ab by a, b, c +2 more');
    expect(render(finishedNews(build(), failing('t1', 't2', 't3'), 'broke'), plainStyle)).toContain('; failed tests: t1, t2, t3 |');
    expect(shortlist(['x'.repeat(200)]).shown[0]).toHaveLength(80);
  });

  it('a test name shared by two suites gets its suite', () => {
    const tests: TestCaseResult[] = [{ suite: 'unit', name: 'works', outcome: 'fail' }, { suite: 'e2e', name: 'works', outcome: 'error' }, { suite: 'e2e', name: 'other', outcome: 'pass' }];
    expect(render(finishedNews(build(), tests, 'first'), plainStyle)).toContain('failed tests: unit.works, e2e.works |');
  });

  it('recovery, still failing, retry with its reason, got_revision over the source stamp', () => {
    expect(render(finishedNews(build({ result: 'SUCCESS', steps: [] }), [], 'fixed'), plainStyle)).toMatch(/^linux #12: SUCCESS \(fixed\) \| 0123456789ab by/);
    expect(render(finishedNews(build(), [], 'still failing'), plainStyle)).toMatch(/FAILURE \(still failing\) in test/);
    const retry = finishedNews(build({ result: 'RETRY', text: 'executor lost', steps: [], blamelist: [], properties: { got_revision: 'feedbeef' } }), [], 'uncounted');
    expect(render(retry, plainStyle)).toBe('linux #12: RETRY (executor lost) | feedbeef');
  });

  it('strips control characters and newlines from what builds carry', () => {
    const news = finishedNews(build({ blamelist: ['Eve\r\nPRIVMSG #x :owned\x01'] }), failing('a\x03' + '4red'), 'first');
    const text = render(news, plainStyle);
    expect(text).not.toMatch(/[\r\n\x01\x03]/);
    expect(text).toContain('by Eve PRIVMSG #x :owned');
  });

  it('started and executor news', () => {
    const b = build({ state: 'running', result: undefined, blamelist: ['Zooko <z@x>'] });
    expect(render(startedNews(b, 'https://ci'), plainStyle)).toBe('linux #12 started on a | 0123456789ab by Zooko | https://ci/builders/linux/builds/12');
    const rec = { name: 'a', state: 'connected', hostname: 'box1', version: '0.1.0' } as ExecutorRecord;
    expect(render(executorNews({ kind: 'executor', id: 'x', name: rec.name, event: 'connected', at: 0, hostname: rec.hostname, version: rec.version }), plainStyle)).toBe('executor a connected (box1, 0.1.0)');
    expect(render(executorNews({ kind: 'executor', id: 'y', name: rec.name, event: 'lost', at: 0, why: 'no heartbeat for 15 s' }), plainStyle)).toBe('executor a lost (no heartbeat for 15 s)');
  });

  it('builds a link only with a titleUrl, and encodes the builder', () => {
    expect(buildUrl(undefined, 'linux', 1)).toBeUndefined();
    expect(buildUrl('https://ci/x//', 'a b', 3)).toBe('https://ci/x/builders/a%20b/builds/3');
  });
});

describe('IRC colours', () => {
  it('are off by default and, when on, colour the result and embolden the builder', () => {
    const news = finishedNews(build(), [], 'broke');
    expect(renderFor(news, 'irc').text).not.toMatch(/[\x02\x03]/);
    expect(renderFor(news, 'irc').html).toBeUndefined();
    const coloured = renderFor(news, 'irc', { ircColours: true }).text;
    expect(coloured.startsWith('\x02linux\x02 #12: \x0304FAILURE\x03 (new failure)')).toBe(true);
    expect(render(finishedNews(build({ result: 'SUCCESS' }), [], 'fixed'), ircColourStyle)).toContain('\x0303SUCCESS\x03');
    // Colours are for IRC only.
    expect(renderFor(news, 'shell', { ircColours: true }).text).not.toMatch(/\x03/);
  });
});

describe('Matrix HTML', () => {
  it('escapes everything that comes from builds', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const evil = build({ blamelist: ['<img src=x onerror=alert(1)> <e@x>'], steps: [{ name: 'te<s>t', state: 'done', result: 'FAILURE' }] });
    const html = render(finishedNews(evil, failing('a&b', '<script>alert(1)</script>'), 'broke', 'https://ci/"><script>'), htmlStyle);
    expect(html).not.toMatch(/<script|<img|<s>/);
    expect(html).toContain('<code>te&lt;s&gt;t</code>');
    expect(html).toContain('<code>a&amp;b</code>, <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(html).toContain('by &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<a href="https://ci/&quot;&gt;&lt;script&gt;/builders/linux/builds/12">');
  });

  it('shows the builder bold, the result coloured and the revision as code', () => {
    const { text, html } = renderFor(finishedNews(build(), failing('test_a'), 'broke', 'https://ci'), 'matrix');
    expect(text).toMatch(/^linux #12: FAILURE/);
    expect(html).toBe(
      '<b>linux</b> #12: <font color="#c62828" data-mx-color="#c62828"><b>FAILURE</b></font> (new failure) in <code>test</code>; failed tests: <code>test_a</code>' +
        ' | <code>0123456789ab</code> by Brian Warner, Zooko | <a href="https://ci/builders/linux/builds/12">https://ci/builders/linux/builds/12</a>',
    );
  });

  it('links only web URLs', () => {
    expect(htmlStyle.link('javascript:alert(1)')).toBe('javascript:alert(1)');
  });
});
