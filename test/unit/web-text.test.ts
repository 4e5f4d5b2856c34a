import { describe, expect, it } from 'vitest';
import { ansiLine, stripAnsi, type AnsiState } from '../../src/web/ansi.js';
import { escape, href, html, maskEmails, outLink, raw } from '../../src/web/html.js';
import { parseCursors } from '../../src/web/live.js';
import { groupBuilders } from '../../src/web/console-page.js';
import { compactCells, compactGroup } from '../../src/web/console-compact.js';
import type { BuildCell } from '../../src/web/console-model.js';
import type { Result } from '../../src/model/results.js';

describe('web: escaping', () => {
  it('escapes every interpolated value, keeps markup made by html or raw, joins arrays', () => {
    const evil = `<script>alert(1)</script><img src=x onerror="a()"> 'q' & "d"`;
    expect(html`<p title="${evil}">${evil}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;a()&quot;&gt; &#39;q&#39; &amp; &quot;d&quot;">&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;a()&quot;&gt; &#39;q&#39; &amp; &quot;d&quot;</p>',
    );
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
    expect(html`${raw('<b>')}${null}${undefined}${false}${0}`.text).toBe('<b>0');
  });

  it('shortens email addresses to their local part', () => {
    expect(maskEmails('Brian Warner <warner@lothar.com>, b.w+ci@mail.example.org; not@an')).toBe('Brian Warner <warner@…>, b.w+ci@…; not@an');
    expect(escape('a <x@y.io>')).toBe('a &lt;x@…&gt;');
  });

  it('links out only to http(s) addresses', () => {
    expect(outLink('https://git.example.org/c/1"><script>', 'abc').text).toBe('<a href="https://git.example.org/c/1&quot;&gt;&lt;script&gt;" rel="noopener noreferrer nofollow">abc</a>');
    expect(outLink('javascript:alert(1)', 'abc').text).toBe('abc');
    expect(outLink(' https://x.org', 'abc').text).toBe('abc');
    expect(outLink('data:text/html,<b>', 'abc').text).toBe('abc');
    expect(outLink(undefined, 'abc').text).toBe('abc');
  });

  it('makes paths from encoded segments', () => {
    expect(href('builders', 'a b/c', 'builds', 3)).toBe('/builders/a%20b%2Fc/builds/3');
    expect(href('builders', 'javascript:alert(1)')).toBe('/builders/javascript%3Aalert(1)');
  });
});

describe('web: ANSI colours', () => {
  it('turns SGR codes into classes, carries the state to the next line, escapes the text', () => {
    const st: AnsiState = {};
    expect(ansiLine('\x1b[1;31mred <b>\x1b[0m plain', st)).toBe('<span class="f1 ab">red &lt;b&gt;</span> plain');
    expect(ansiLine('\x1b[32mgreen', st)).toBe('<span class="f2">green</span>');
    expect(ansiLine('still', st)).toBe('<span class="f2">still</span>');
    expect(ansiLine('\x1b[39m\x1b[44mon blue\x1b[49m', st)).toBe('<span class="b4">on blue</span>');
    expect(ansiLine('\x1b[38;5;9mbright\x1b[38;5;200m\x1b[38;2;1;2;3mtrue\x1b[0m', {})).toBe('<span class="f9">bright</span><span class="f9">true</span>');
    expect(ansiLine('\x1b[93mx\x1b[0m', {})).toBe('<span class="f11">x</span>');
  });

  it('drops other escape sequences and control characters; a carriage return rewrites the line', () => {
    expect(ansiLine('\x1b[2K\x1b[1Gab\x07c\x1b]0;title\x07d', {})).toBe('abcd');
    expect(ansiLine('10%\r50%\r100%', {})).toBe('100%');
    expect(stripAnsi('\x1b[31mred\x1b[0m')).toBe('red');
  });
});

describe('web: small parts', () => {
  it('parses live cursors and ignores what is not one', () => {
    expect(parseCursors('0:12:40,1:0:1,9:1:1,x,2:a:3', 3).map((c) => [c.step, c.chunk, c.line])).toEqual([
      [0, 12, 40],
      [1, 0, 1],
    ]);
    expect(parseCursors(null, 3)).toEqual([]);
  });

  it('groups builders by category then tier, in config order', () => {
    const g = groupBuilders([
      { name: 'a', tier: 'supported', category: 'os' },
      { name: 'b', tier: 'unsupported', category: 'os' },
      { name: 'c', tier: 'supported', category: 'os' },
      { name: 'd', tier: 'supported', category: '' },
    ]);
    expect(g.map((x) => [x.label, x.rows.map((r) => r.name)])).toEqual([
      ['os · supported', ['a', 'c']],
      ['os · unsupported', ['b']],
      ['uncategorised · supported', ['d']],
    ]);
  });
});

describe('web: the compact console grid (above 60 builders)', () => {
  const cell = (builder: string, number: number, word: string): BuildCell =>
    word === 'running' ? { builder, number, state: 'running', revision: `r${number}`, dispatchedAt: number } : { builder, number, state: 'finished', result: word as Result, revision: `r${number}`, dispatchedAt: number };
  it('names the all-green and never-built builders in one row each, merges quiet runs, links the other cells', () => {
    const cells: Record<string, Array<BuildCell | undefined>> = {
      a: [cell('a', 3, 'SUCCESS'), cell('a', 2, 'SUCCESS'), cell('a', 1, 'SUCCESS')],
      "b'<x>": [cell("b'<x>", 3, 'SUCCESS'), cell("b'<x>", 2, 'SUCCESS'), cell("b'<x>", 1, 'SUCCESS')],
      c: [undefined, undefined, undefined],
      d: [cell('d', 9, 'FAILURE'), cell('d', 8, 'SUCCESS'), cell('d', 7, 'SUCCESS')],
      e: [cell('e', 5, 'running'), undefined, undefined],
    };
    const out = compactGroup('linux · supported', Object.keys(cells), 3, (b) => cells[b]!).text;
    expect(out).toBe(
      '<tr><th colspan=4>linux · supported' +
        '<tr><td colspan=4 class="r-SUCCESS names">ok at all 3 revisions (2): <a href=/builders/a>a</a> <a href=/builders/b&#39;%3Cx%3E>b&#39;&lt;x&gt;</a>' +
        '<tr><td colspan=4 class="names">no build of these revisions (1): <a href=/builders/c>c</a>' +
        '<tr><td><a href=/builders/d>d</a><td class="r-FAILURE"><a href="/builders/d/builds/9">fail</a><td colspan=2 class=r-SUCCESS>ok' +
        '<tr><td><a href=/builders/e>e</a><td class="r-running"><a href="/builders/e/builds/5">run</a><td colspan=2>',
    );
    expect(compactCells([cell('x', 1, 'SUCCESS'), undefined, cell('x', 2, 'SUCCESS')])).toBe('<td class=r-SUCCESS>ok<td><td class=r-SUCCESS>ok');
  });
});
