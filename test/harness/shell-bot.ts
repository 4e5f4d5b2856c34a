import { PassThrough } from 'node:stream';
import { ShellTransport } from '../../src/chat/shell.js';
import { CommandRouter } from '../../src/chat/router.js';
import { MasterBotApi } from '../../src/chat/master-api.js';
import { attachRouter } from '../../src/chat/bot.js';
import { allCommands } from '../../bot-commands/index.js';
import { waitFor } from './bb.js';
import type { PipelineFixture } from './pipeline.js';

export interface ShellBot {
  /** Say a line in #dev as warner and wait for the bot's output since then to match `expect`. */
  say(line: string, expect: RegExp): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The bot of a fixture's master behind a shell transport (user warner in #dev), with every
 * command and no permission checks, fed lines and read back like a person at the terminal.
 */
export async function shellBot(fx: PipelineFixture): Promise<ShellBot> {
  const input = new PassThrough();
  const output = new PassThrough();
  let seen = '';
  output.on('data', (d: Buffer) => (seen += d.toString()));
  const shell = new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input, output });
  const api = new MasterBotApi(fx.store, fx.master!.config, 'bb', '0.1.0', (req) => fx.master!.stopBuild(req));
  attachRouter(shell, new CommandRouter(allCommands(), api, fx.log, { deny: async () => null }), fx.log);
  await shell.start();
  return {
    async say(line, expect) {
      const from = seen.length;
      input.write(`${line}\n`);
      return waitFor(`a reply matching ${expect}`, () => {
        const out = seen.slice(from);
        return expect.test(out) ? out : null;
      }, 15_000);
    },
    stop: () => shell.stop(),
  };
}
