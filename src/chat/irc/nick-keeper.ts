import type irc from 'irc-framework';
import type { IrcStatus } from './status.js';

/**
 * While the bot uses an alternative nick, asks for the configured one every `intervalMs`, and at
 * once when its holder is seen leaving or changing nick. Reports the bot's own nick changes.
 * Returns a function that stops it (at the end of the connection).
 */
export function keepNick(
  client: irc.Client,
  wanted: string,
  intervalMs: number,
  send: (line: string) => void,
  status: (s: IrcStatus) => void,
): () => void {
  const regain = () => {
    if (!client.caseCompare(client.user.nick, wanted)) send(`NICK ${wanted}`);
  };
  const onNick = (e: irc.NickEvent) => {
    // The library may update its own nick before or after this listener runs.
    if (client.caseCompare(e.nick, client.user.nick) || client.caseCompare(e.new_nick, client.user.nick)) {
      status({ kind: 'nick', nick: e.new_nick });
    } else if (client.caseCompare(e.nick, wanted)) regain();
  };
  const onQuit = (e: irc.QuitEvent) => {
    if (client.caseCompare(e.nick, wanted)) regain();
  };
  client.on('nick', onNick);
  client.on('quit', onQuit);
  const timer = setInterval(regain, intervalMs);
  return () => {
    clearInterval(timer);
    client.removeListener('nick', onNick);
    client.removeListener('quit', onQuit);
  };
}
