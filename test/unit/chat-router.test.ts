import { describe, expect, it } from 'vitest';
import { addressedText, distance, splitWords } from '../../src/chat/parse.js';
import { CommandRegistry } from '../../src/chat/registry.js';
import { CommandRouter } from '../../src/chat/router.js';
import { UsageError, type CommandSpec } from '../../src/chat/command.js';
import type { BotApi } from '../../src/chat/api.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import { createLogger } from '../../src/log.js';
import { allCommands } from '../../bot-commands/index.js';

const msg = (text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  transport: 'shell', channel: '#bb', replyTo: '#bb', sender: 'warner', account: null, text, isDirect: false, ...extra,
});

// The router's own logic needs no store: a BotApi that only knows its name.
const api = { botName: 'bb', version: '9.9.9' } as BotApi;
const log = createLogger('test', { level: 'silent' });
const allow = { deny: async () => null };

const echo: CommandSpec = {
  name: 'echo words', aliases: ['say'], usage: '<word> [--loud]', summary: 'echo', permission: 'anyone',
  options: { loud: 'flag', times: 'value' }, minArgs: 1, maxArgs: 2,
  async run({ args, options }) {
    if (args[0] === 'bad') throw new UsageError('bad is not allowed');
    if (args[0] === 'boom') throw new Error('database exploded');
    const s = args.join(' ');
    return (options.loud ? s.toUpperCase() : s).repeat(Number(options.times ?? 1));
  },
};
const danger: CommandSpec = { name: 'nuke', usage: '', summary: 'x', permission: 'dangerous', async run() { return 'done'; } };

describe('chat parsing', () => {
  it('splits words and respects quotes', () => {
    expect(splitWords(`force build linux --reason "tree was red" 'x y'`)).toEqual(['force', 'build', 'linux', '--reason', 'tree was red', 'x y']);
  });
  it('finds text addressed to the bot', () => {
    expect(addressedText('bb: status linux', 'bb', false)).toBe('status linux');
    expect(addressedText('BB, status', 'bb', false)).toBe('status');
    expect(addressedText('bbq: tasty', 'bb', false)).toBeNull();
    expect(addressedText('status', 'bb', false)).toBeNull();
    expect(addressedText('status', 'bb', true)).toBe('status');
    expect(addressedText('bb: status', 'bb', true)).toBe('status');
    expect(addressedText('bb-ci: status', 'bb', false, ['bb-ci'])).toBe('status');
  });
  it('measures edit distance', () => {
    expect(distance('stauts', 'status')).toBe(2);
    expect(distance('', 'abc')).toBe(3);
  });
});

describe('command registry', () => {
  it('rejects a duplicate name or alias at startup', () => {
    expect(() => new CommandRegistry([echo, { ...danger, name: 'say' }])).toThrow(/"say" is used by both "echo words" and "say"/);
  });
  it('matches the longest multi-word name', () => {
    const r = new CommandRegistry([echo, { ...danger, name: 'echo' }]);
    expect(r.match(['echo', 'words', 'x'])).toMatchObject({ spec: { name: 'echo words' }, used: 2 });
    expect(r.match(['echo', 'x'])).toMatchObject({ spec: { name: 'echo' }, used: 1 });
  });
  it('every shipped command has a unique name and a usage and summary', () => {
    const specs = allCommands();
    expect(() => new CommandRegistry(specs)).not.toThrow();
    for (const s of specs) expect(s.summary.length).toBeGreaterThan(3);
  });
});

describe('command router', () => {
  const router = () => new CommandRouter([echo, danger], api, log, allow);

  it('ignores channel chatter and answers when addressed', async () => {
    expect(await router().handle(msg('nice weather'))).toBeNull();
    expect((await router().handle(msg('bb: echo words hi')))?.lines).toEqual(['hi']);
    expect((await router().handle(msg('say hi', { isDirect: true, channel: null })))?.lines).toEqual(['hi']);
    // A channel reply that a transport cuts says how to get all of it; a DM has room for more.
    expect((await router().handle(msg('bb: echo words hi')))?.moreHint).toBe('say "echo words hi" to me by DM for all of it');
    expect((await router().handle(msg('say hi', { isDirect: true, channel: null })))?.moreHint).toBeUndefined();
  });
  it('parses options and flags', async () => {
    expect((await router().handle(msg('bb: say hi --loud --times 2')))?.lines).toEqual(['HIHI']);
    expect((await router().handle(msg('bb: say hi --times=3')))?.lines).toEqual(['hihihi']);
  });
  it('shows the usage for wrong arguments, unknown options and handler usage errors', async () => {
    expect((await router().handle(msg('bb: say')))?.lines).toEqual(['Usage: echo words <word> [--loud]']);
    expect((await router().handle(msg('bb: say a b c')))?.lines).toEqual(['Usage: echo words <word> [--loud]']);
    expect((await router().handle(msg('bb: say hi --quiet')))?.lines).toEqual(['unknown option --quiet. Usage: echo words <word> [--loud]']);
    expect((await router().handle(msg('bb: say hi --times')))?.lines).toEqual(['--times needs a value. Usage: echo words <word> [--loud]']);
    expect((await router().handle(msg('bb: say bad')))?.lines).toEqual(['bad is not allowed. Usage: echo words <word> [--loud]']);
  });
  it('suggests the closest command for an unknown one', async () => {
    expect((await router().handle(msg('bb: nukee')))?.lines[0]).toBe(`I don't know "nukee". Did you mean "nuke"? Say "bb: help" for the list.`);
    expect((await router().handle(msg('bb: frobnicate')))?.lines[0]).toBe(`I don't know "frobnicate". Say "bb: help" for the list.`);
  });
  it('replies with a correlation id, never a stack, when a command crashes', async () => {
    const [line] = (await router().handle(msg('bb: say boom')))!.lines;
    expect(line).toMatch(/^Something went wrong running "echo words" \(error [0-9a-f]{8}\)/);
    expect(line).not.toMatch(/exploded/);
  });
  it('denies dangerous commands with the reason the authorizer gives', async () => {
    const r = new CommandRouter([echo, danger], api, log, { deny: async (_s, m) => (m.account ? null : 'log in to services first') });
    expect((await r.handle(msg('bb: nuke')))?.lines).toEqual(['Sorry, warner, you may not nuke: log in to services first']);
    expect((await r.handle(msg('bb: nuke', { account: 'warner' })))?.lines).toEqual(['done']);
  });
  it('rate-limits each user', async () => {
    let t = 0;
    const r = new CommandRouter([echo], api, log, allow, { max: 3, windowMs: 1000 }, () => t);
    for (let i = 0; i < 3; i++) expect((await r.handle(msg('bb: say x')))?.lines).toEqual(['x']);
    expect((await r.handle(msg('bb: say x')))?.lines[0]).toMatch(/slow down/);
    // The rest of a flood is not answered line for line.
    expect(await r.handle(msg('bb: say x'))).toBeNull();
    expect((await r.handle(msg('bb: say x', { sender: 'zooko' })))?.lines).toEqual(['x']);
    t = 1500;
    expect((await r.handle(msg('bb: say x')))?.lines).toEqual(['x']);
  });
});
