import { describe, expect, it } from 'vitest';
import { CommandRouter } from '../../src/chat/router.js';
import type { CommandSpec } from '../../src/chat/command.js';
import type { BotApi } from '../../src/chat/api.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import { createLogger } from '../../src/log.js';

const NOW = Date.UTC(2026, 11, 3, 19, 0);
const look: CommandSpec = { name: 'look', usage: '', summary: '', permission: 'anyone', readOnly: true, run: async () => 'all green' };
const poke: CommandSpec = { name: 'poke', usage: '', summary: '', permission: 'anyone', run: async () => 'poked' };
const router = () => new CommandRouter([look, poke], { botName: 'bb' } as unknown as BotApi, createLogger('t', { level: 'silent' }), { deny: async () => null }, { max: 3, windowMs: 60_000 }, () => NOW);
const msg = (text: string, o: Partial<ChatMessage> = {}): ChatMessage => ({ transport: 'matrix', channel: '!r:x', replyTo: '!r:x', sender: '@a:x', account: '@a:x', text, isDirect: false, ...o });

describe('commands said while bb was away', () => {
  it('runs read-only ones saying when they were asked, and asks for the rest to be said again', async () => {
    const r = router();
    const saidAt = NOW - 20 * 60_000;
    expect((await r.handle(msg('bb: look', { late: true, saidAt })))!.lines).toEqual(['[asked 18:40 UTC, while I was away] all green']);
    expect((await r.handle(msg('bb: poke', { late: true, saidAt })))!.lines).toEqual(['@a:x: I was away when you said "poke" (18:40 UTC); say it again if you still want it.']);
    expect((await r.handle(msg('bb: poke')))!.lines).toEqual(['poked']);
  });

  it('counts the rate limit from when commands were said, not when they arrived', async () => {
    const r = router();
    // Ten commands said a minute and more apart, all arriving now: none is a flood.
    for (let i = 10; i > 0; i--) {
      expect((await r.handle(msg('bb: look', { late: true, saidAt: NOW - i * 61_000 })))!.lines[0]).toMatch(/all green$/);
    }
    // Said now, at once: the fourth within the minute is told to slow down.
    const said = [];
    for (let i = 0; i < 4; i++) said.push((await r.handle(msg('bb: look')))?.lines[0]);
    expect(said.slice(-1)).toEqual(['@a:x: slow down a little; try again in a minute.']);
  });
});
