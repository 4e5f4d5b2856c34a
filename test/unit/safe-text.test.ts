import { describe, expect, it } from 'vitest';
import { CommandRouter } from '../../src/chat/router.js';
import type { CommandSpec } from '../../src/chat/command.js';
import type { BotApi } from '../../src/chat/api.js';
import { createLogger } from '../../src/log.js';
import { clipLine, echo, inline, oneLine, safeHtml } from '../../src/util/safe-text.js';

describe('the chat text sanitiser', () => {
  it('makes any string one line without formatting, controls or direction overrides', () => {
    expect(oneLine('Alice\rSmith')).toBe('Alice Smith');
    expect(oneLine('a\r\n\tb\u2028c\u0085d')).toBe('a b c d');
    expect(oneLine('\x0304,01red\x03 \x02bold\x02 \x1funder\x0f \x04ff0000hex')).toBe('red bold under hex');
    expect(oneLine('abc\u202egnp.exe\u2066x\u2069\u200f')).toBe('abc gnp.exe x');
    expect(oneLine('\x01ACTION hi\x01')).toBe('ACTION hi');
    expect(inline(' | ')).toBe(' | ');
    expect(oneLine('emoji 👩‍💻 and accents é')).toBe('emoji 👩‍💻 and accents é');
    expect(safeHtml('<b>a\u202eb</b>\n')).toBe('<b>ab</b>\n');
  });

  it('echoes a short slice, for any input length', () => {
    expect(echo('x'.repeat(1_000_000))).toBe(`${'x'.repeat(39)}…`);
    expect(echo('short')).toBe('short');
    expect(clipLine('a\nb', 10)).toBe('a b');
  });

  it('cleans every line of every reply in the router, and "did you mean" stays cheap for a huge word', async () => {
    const spec: CommandSpec = { name: 'say', usage: '', summary: '', permission: 'anyone', run: async () => ['one\rtwo', 'x\x0304red\u202e'] };
    const api = { botName: 'bb' } as unknown as BotApi;
    const router = new CommandRouter([spec], api, createLogger('t', { level: 'silent' }), { deny: async () => null });
    const msg = (text: string) => ({ transport: 'shell' as const, channel: '#c', replyTo: '#c', sender: 'me', account: null, text, isDirect: false });
    expect((await router.handle(msg('bb: say')))!.lines).toEqual(['one two', 'xred']);
    // 200,000 characters in one word: the distance is taken on its head only (it would be 200,000 x 3 steps otherwise).
    const reply = await router.handle(msg(`bb: ${'s'.repeat(200_000)}`));
    expect(reply!.lines).toEqual([`I don't know "${'s'.repeat(39)}…". Say "bb: help" for the list.`]);
  });
});
