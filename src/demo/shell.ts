import { userInfo } from 'node:os';
import type { Master } from '../master.js';
import { MasterBotApi } from '../chat/master-api.js';
import { CommandRouter } from '../chat/router.js';
import { ShellTransport } from '../chat/shell.js';
import { attachRouter } from '../chat/bot.js';
import { allCommands } from '../../bot-commands/index.js';
import { VERSION } from '../version.js';

/**
 * The demo's chat: a shell transport in channel #bb, with the same router and commands as IRC
 * and Matrix. The person at the terminal started the demo, so the shell may run dangerous commands.
 */
export async function runShell(master: Master, _hooks: unknown, say: (s: string) => void): Promise<void> {
  const shell = new ShellTransport({ botName: 'bb', user: process.env.USER ?? userInfo().username, channel: '#bb' });
  const api = new MasterBotApi(master.store, master.config, 'bb', VERSION, (req) => master.stopBuild(req));
  const router = new CommandRouter(allCommands(), api, master.log, { deny: async (_spec, m) => (m.transport === 'shell' ? null : 'not allowed in the demo') });
  attachRouter(shell, router, master.log);
  say('chat shell: you are in #bb. Try "bb: status linux", "bb: force build trunk", "bb: help". /quit ends the demo.');
  await shell.start();
  await shell.done();
}
