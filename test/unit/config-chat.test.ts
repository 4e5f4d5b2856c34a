import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolveChatSecrets } from '../../src/config/chat-secrets.js';
import { SECRET, problemsOf, writeModule } from './config-helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const body = (chat: string) =>
  `export default defineConfig({ executors: [{ name: 'e', secret: '${SECRET}' }], builders: [{ name: 'b', executors: ['e'], steps: [{ type: 'checkout' }] }], chat: ${chat} });`;

describe('the chat section', () => {
  it('reads { value } and { env } secrets; an unset variable is a problem at its path', async () => {
    vi.stubEnv('BB_TEST_SASL', ' sasl-pass \n');
    const chat = `{ irc: { host: 'irc.example.org', nick: 'bb', sasl: { account: 'bb', password: { env: 'BB_TEST_SASL' } } },
      matrix: { homeserverUrl: 'https://m.example.org', accessToken: { value: 'syt_token' } } }`;
    const { config } = await loadConfig(writeModule(body(chat)));
    expect(resolveChatSecrets(config.chat!)).toEqual(new Map([['irc.sasl.password', 'sasl-pass'], ['matrix.accessToken', 'syt_token']]));

    vi.stubEnv('BB_TEST_SASL', '');
    expect(await problemsOf(writeModule(body(chat)))).toEqual([
      { path: 'chat.irc.sasl.password.env', message: 'environment variable BB_TEST_SASL is not set; set it to the IRC SASL password before starting the master' },
    ]);
  });

  it('reports every chat problem with its path and what to do', async () => {
    const chat = `{
      irc: { host: 'irc.example.org', nick: 'b b', channels: ['#dev'], sasl: { account: 'bb', password: {} }, nickserv: { password: { value: 'x', env: 'X' } } },
      matrix: { homeserverUrl: 'https://m.example.org' },
      permissions: { users: ['warner', 'irc:warner', '@alice:example.org', 'matrix:alice'], ircChannelOps: ['#dev', '#ops'] },
    }`;
    expect(await problemsOf(writeModule(body(chat)))).toEqual([
      { path: 'chat.irc', message: 'give sasl or nickserv, not both (SASL is preferred: it logs in before joining)' },
      { path: 'chat.irc.nick', message: '"b b" is not a valid IRC nick (no spaces or any of , : ! @ * ?)' },
      { path: 'chat.matrix', message: 'give exactly one of accessToken or login (none is set)' },
      { path: 'chat.permissions.users[3]', message: '"matrix:alice" is not a verified identity; write irc:<services account>, a Matrix user id @user:server, or a bb user name (granted once a claim to it is verified; a bare nick grants nothing)' },
      { path: 'chat.permissions.ircChannelOps[1]', message: 'the bot does not join #ops, so it cannot see its operators; add it to chat.irc.channels' },
      { path: 'chat.irc.sasl.password', message: 'give exactly one of value or env (none is set); env keeps the secret out of the config file' },
      { path: 'chat.irc.nickserv.password', message: 'give exactly one of value or env (found both); env keeps the secret out of the config file' },
    ]);
  });

  it('channel operators need IRC', async () => {
    const chat = `{ matrix: { homeserverUrl: 'https://m.example.org', accessToken: { value: 't' } }, permissions: { ircChannelOps: ['#dev'] } }`;
    expect(await problemsOf(writeModule(body(chat)))).toEqual([
      { path: 'chat.permissions.ircChannelOps[0]', message: 'channel operators can only be checked on IRC; configure chat.irc or remove this entry' },
    ]);
  });
});
