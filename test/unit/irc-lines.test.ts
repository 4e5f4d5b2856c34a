import { describe, expect, it } from 'vitest';
import { toChatMessage, stripFormatting } from '../../src/chat/irc/incoming.js';
import { capLines } from '../../src/chat/irc/line-cap.js';
import { DEFAULT_LIMITS, isSafeTarget, textBudget } from '../../src/chat/irc/line-budget.js';
import { splitText } from '../../src/chat/irc/line-split.js';

const bytes = (s: string) => Buffer.byteLength(s);

describe('splitText', () => {
  it('makes one line per line of text, dropping blank ones and unsafe control characters', () => {
    expect(splitText('a\r\nb\rc\n\n  \nd\0e\x01f', 100)).toEqual(['a', 'b', 'c', 'def']);
  });

  it('cuts long lines after a space when there is one late enough', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const lines = splitText(text, 20);
    for (const l of lines) expect(bytes(l)).toBeLessThanOrEqual(20);
    expect(lines.join(' ')).toBe(text);
    expect(lines[0]).toBe('alpha beta gamma');
  });

  it('never breaks a multi-byte character or a grapheme', () => {
    const text = '€'.repeat(50) + '👍🏽'.repeat(20) + 'e\u0301'.repeat(30);
    const lines = splitText(text, 17);
    for (const l of lines) {
      expect(bytes(l)).toBeLessThanOrEqual(17);
      expect(l).not.toMatch(/^\u0301|\uD83C$/);
    }
    expect(lines.join('')).toBe(text);
  });

  it('never breaks inside a quoted command or a URL', () => {
    const reminder = 'Problem #1: sample.net.reconnects fails on linux since abcdef012345 ("Make reconnects faster" by Brian Warner). Your change is among those blamed. When you are on it say "bb: ack 1"; if it is not yours, "bb: not me 1".';
    for (let max = 60; max <= 240; max++) {
      const lines = splitText(reminder, max);
      for (const l of lines) {
        expect(bytes(l)).toBeLessThanOrEqual(max);
        expect(l.match(/"/g)?.length ?? 0).toSatisfy((n: number) => n % 2 === 0);
      }
      expect(lines.join(' ')).toBe(reminder);
    }
    const url = 'All 46 tests: https://ci.example.org/problems/12?view=tests&page=2 or "bb: problem 12 tests" by DM';
    for (let max = 52; max <= 100; max++) {
      const lines = splitText(url, max);
      expect(lines.join(' ')).toBe(url);
      expect(lines).toContainEqual(expect.stringContaining('https://ci.example.org/problems/12?view=tests&page=2'));
    }
    // A URL longer than a line is cut where it must.
    expect(splitText(`see https://x.org/${'a'.repeat(80)}`, 40).join('')).toBe(`seehttps://x.org/${'a'.repeat(80)}`);
  });

  it('cuts a word longer than a line where it must', () => {
    const lines = splitText('x'.repeat(100), 30);
    expect(lines.map((l) => l.length)).toEqual([30, 30, 30, 10]);
  });
});

describe('capLines', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
  it('keeps short replies whole', () => {
    expect(capLines(lines.slice(0, 5), 5)).toHaveLength(5);
  });
  it('ends a long one with how many more lines and the hint', () => {
    expect(capLines(lines, 5, 'see the web page')).toEqual(['l1', 'l2', 'l3', 'l4', '… 26 more lines: see the web page']);
    expect(capLines(lines, 20).at(-1)).toBe('… 11 more lines');
  });
});

describe('textBudget and targets', () => {
  it('leaves room for the prefix the server adds', () => {
    const budget = textBudget('PRIVMSG', '#bb', DEFAULT_LIMITS);
    const worst = `:${'n'.repeat(30)}!~${'u'.repeat(10)}@${'h'.repeat(64)} PRIVMSG #bb :${'t'.repeat(budget)}\r\n`;
    expect(bytes(worst)).toBeLessThanOrEqual(512);
    expect(textBudget('PRIVMSG', '#bb', DEFAULT_LIMITS, 100)).toBe(100);
  });
  it('refuses targets that would smuggle parameters', () => {
    expect(isSafeTarget('#bb')).toBe(true);
    expect(isSafeTarget('warner')).toBe(true);
    for (const t of ['', '#a b', 'a,b', ':x', 'a\r\nQUIT', 'a\0']) expect(isSafeTarget(t)).toBe(false);
  });
});

describe('toChatMessage', () => {
  const ctx = {
    ownNick: 'bb',
    ignoreNicks: ['NickServ'],
    same: (a: string, b: string) => a.toLowerCase() === b.toLowerCase(),
    isChannel: (t: string) => t.startsWith('#'),
  };
  const event = (o: Partial<Parameters<typeof toChatMessage>[0]>) => ({
    from_server: false, nick: 'warner', ident: 'w', hostname: 'h', target: '#bb', message: 'bb: status', tags: {}, ...o,
  });

  it('takes the account from the account-tag, or null', () => {
    expect(toChatMessage(event({ account: 'warner' }), ctx)).toMatchObject({ account: 'warner', channel: '#bb', replyTo: '#bb', isDirect: false });
    expect(toChatMessage(event({}), ctx)?.account).toBeNull();
  });
  it('marks private messages as direct, replying to the sender', () => {
    expect(toChatMessage(event({ target: 'BB' }), ctx)).toMatchObject({ channel: null, replyTo: 'warner', isDirect: true });
  });
  it('ignores its own echo, services and the server', () => {
    expect(toChatMessage(event({ nick: 'BB' }), ctx)).toBeNull();
    expect(toChatMessage(event({ nick: 'nickserv', target: 'bb' }), ctx)).toBeNull();
    expect(toChatMessage(event({ from_server: true }), ctx)).toBeNull();
  });
  it('strips IRC formatting', () => {
    expect(stripFormatting('\x02bb\x02: \x0304,01status\x03 \x1dlinux\x0f')).toBe('bb: status linux');
  });
});
