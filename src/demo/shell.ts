import { userInfo } from 'node:os';
import type { Master } from '../master.js';
import { ShellTransport } from '../chat/shell.js';

/**
 * The demo's chat: a shell transport in channel #bb, added to the master's chat bot, so it has the
 * same router, commands and permissions as IRC and Matrix. The shell is the local operator (the
 * person who started the demo), so it may run dangerous commands.
 */
export async function runShell(master: Master, _hooks: unknown, say: (s: string) => void): Promise<void> {
  const botName = master.config.chat?.botName ?? 'bb';
  const shell = new ShellTransport({ botName, user: process.env.USER ?? userInfo().username, channel: '#bb' });
  say(`chat shell: you are in #bb. Try "${botName}: status linux", "${botName}: force build trunk", "${botName}: whoami", "${botName}: help". /quit ends the demo.`);
  await master.addChatTransport(shell, ['#bb']);
  await shell.done();
}
