import { describe, expect, it } from 'vitest';
import { problemNews } from '../../src/notify/news.js';
import { render, renderFor } from '../../src/notify/render.js';
import { plainStyle } from '../../src/notify/style.js';
import { htmlStyle } from '../../src/notify/html-style.js';
import { classifyProblem } from '../../src/notify/classify.js';
import type { Problem } from '../../src/model/problem.js';

function problem(extra: Partial<Problem> = {}): Problem {
  return {
    id: 3,
    key: 'k',
    state: 'confirmed',
    subjects: [{ kind: 'test', suite: 'sample.net', name: 'reconnects' }],
    builders: [
      { builder: 'linux', firstBadBuildId: 5, firstBadNumber: 2 },
      { builder: 'mac', firstBadBuildId: 6, firstBadNumber: 2 },
    ],
    firstBadRevision: '0123456789abcdef0123456789abcdef01234567',
    openedAt: 1,
    confirmedAt: 2,
    guilty: ['warner'],
    responsible: ['warner'],
    interested: [],
    notMe: [],
    acks: [],
    watchers: [],
    ...extra,
  };
}

describe('problem announcements', () => {
  it('opened, flaky and resolved, one line each', () => {
    expect(render(problemNews(problem(), 'opened'), plainStyle)).toBe('problem #3 opened: sample.net.reconnects fails on linux, mac since 0123456789ab | guilty warner');
    expect(render(problemNews(problem({ state: 'flaky', builders: [{ builder: 'linux', firstBadBuildId: 5, firstBadNumber: 2 }] }), 'flaky'), plainStyle)).toBe(
      'problem #3 is flaky: sample.net.reconnects failed on linux at 0123456789ab (passed on a rerun of the same revision; nobody is hassled)',
    );
    expect(render(problemNews(problem({ state: 'resolved' }), 'resolved'), plainStyle)).toBe('problem #3 resolved: sample.net.reconnects passes again on linux, mac');
  });

  it('several subjects, steps, nobody blamed, a revision that is no hash', () => {
    const p = problem({
      subjects: [
        { kind: 'step', suite: '', name: 'lint' },
        { kind: 'test', suite: 's', name: 'a' },
        { kind: 'test', suite: 's', name: 'b' },
        { kind: 'test', suite: 's', name: 'c' },
      ],
      guilty: [],
      firstBadRevision: 'build-9',
    });
    expect(render(problemNews(p, 'opened'), plainStyle)).toBe('problem #3 opened: 3 tests in s and step lint fail on linux, mac since build-9 | nobody blamed');
    expect(render(problemNews(p, 'resolved'), plainStyle)).toBe('problem #3 resolved: 3 tests in s and step lint pass again on linux, mac');
  });

  it('escapes everything from the Problem for Matrix and strips control characters', () => {
    const p = problem({ subjects: [{ kind: 'test', suite: '<script>', name: 'x&y' }], builders: [{ builder: 'l"nux', firstBadBuildId: 1, firstBadNumber: 1 }], guilty: ['Eve\r\nPRIVMSG #x :owned\x01<b>'] });
    const { text, html } = renderFor(problemNews(p, 'opened'), 'matrix');
    expect(text).toBe('problem #3 opened: <script>.x&y fails on l"nux since 0123456789ab | guilty Eve PRIVMSG #x :owned <b>');
    expect(html).toBe('<b>problem #3</b> opened: <code>&lt;script&gt;.x&amp;y</code> fails on l&quot;nux since <code>0123456789ab</code> | guilty Eve PRIVMSG #x :owned &lt;b&gt;');
    expect(render(problemNews(p, 'opened'), htmlStyle)).not.toMatch(/<script>|<b>E/);
    expect(renderFor(problemNews(p, 'opened'), 'irc').text).not.toMatch(/[\r\n\x01]/);
  });

  it('matches `problem`, except the resolution of a Problem never confirmed', () => {
    expect(classifyProblem('opened', problem())).toEqual(['problem']);
    expect(classifyProblem('flaky', problem({ confirmedAt: undefined }))).toEqual(['problem']);
    expect(classifyProblem('resolved', problem())).toEqual(['problem']);
    expect(classifyProblem('resolved', problem({ confirmedAt: undefined }))).toEqual([]);
  });
});
