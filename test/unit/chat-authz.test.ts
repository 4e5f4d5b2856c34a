import { describe, expect, it } from 'vitest';
import { ChatAuthorizer } from '../../src/chat/authz.js';
import type { CommandSpec } from '../../src/chat/command.js';
import type { ChatMessage, ChatTransport } from '../../src/chat/transport.js';
import { parseTarget, formatTarget } from '../../src/chat/target.js';

const force = { name: 'force build', permission: 'dangerous' } as CommandSpec;
const msg = (m: Partial<ChatMessage>): ChatMessage => ({
  transport: 'irc', channel: '#dev', replyTo: '#dev', sender: 'warner', account: null, text: 'bb: force', isDirect: false, ...m,
});
// Only the operator question of the IRC transport is used: which nicks hold ops where.
const ircWithOps = (ops: Record<string, string[]>) => ({ isOperator: async (channel: string, nick: string) => ops[channel]?.includes(nick) ?? false }) as ChatTransport;
const authz = (permissions: Partial<ConstructorParameters<typeof ChatAuthorizer>[0]>, irc = ircWithOps({})) =>
  new ChatAuthorizer({ everyone: false, users: [], ircChannelOps: [], ...permissions }, (kind) => (kind === 'irc' ? irc : undefined));

describe('chat authorization', () => {
  it('grants listed verified identities, never a bare nick', async () => {
    const a = authz({ users: ['irc:Warner', '@alice:example.org'] });
    expect(await a.deny(force, msg({ account: 'warner' }))).toBeNull();
    expect(await a.deny(force, msg({ transport: 'matrix', sender: '@alice:example.org', account: '@alice:example.org' }))).toBeNull();
    // The nick warner without a services login is nobody in particular.
    expect(await a.deny(force, msg({}))).toBe(
      'it needs permission: log in to services (your nick is not identified), then ask an admin to add irc:<your account> to chat.permissions.users',
    );
    expect(await a.deny(force, msg({ sender: 'zooko', account: 'zooko' }))).toBe('it needs permission: ask an admin to add irc:zooko to chat.permissions.users');
    // An IRC account name does not grant on Matrix, nor a Matrix id on IRC.
    expect(await a.deny(force, msg({ transport: 'matrix', sender: '@warner:example.org', account: '@warner:example.org' }))).toMatch(/add @warner:example.org/);
    expect(await a.deny(force, msg({ account: '@alice:example.org' }))).not.toBeNull();
  });

  it('grants operators of the listed channels only', async () => {
    const a = authz({ ircChannelOps: ['#ops'] }, ircWithOps({ '#ops': ['opal'], '#dev': ['anon'] }));
    expect(await a.deny(force, msg({ sender: 'opal' }))).toBeNull();
    expect(await a.deny(force, msg({ sender: 'opal', channel: null, isDirect: true }))).toBeNull();
    expect(await a.deny(force, msg({ sender: 'anon' }))).toMatch(/, or be a channel operator in #ops$/);
  });

  it('lets the shell and, with everyone, anybody run dangerous commands', async () => {
    expect(await authz({}).deny(force, msg({ transport: 'shell' }))).toBeNull();
    expect(await authz({ everyone: true }).deny(force, msg({}))).toBeNull();
  });
});

describe('outbox targets', () => {
  it('split into transport and channel, and refuse anything else', () => {
    expect(parseTarget('irc:#dev')).toEqual({ transport: 'irc', where: '#dev' });
    expect(parseTarget('matrix:!abc:example.org')).toEqual({ transport: 'matrix', where: '!abc:example.org' });
    expect(formatTarget('irc', '#Dev')).toBe('irc:#dev');
    expect(() => parseTarget('email:x')).toThrow(/not irc:#channel/);
    expect(() => parseTarget('irc:')).toThrow();
  });
});
