import type irc from 'irc-framework';
import { DEFAULT_LIMITS, type ServerLimits } from './line-budget.js';

/** Whether `target` is a channel by the server's CHANTYPES (`#` and `&` before it has said). */
export function isChannelName(target: string, network?: irc.NetworkInfo): boolean {
  const types = network?.supports('CHANTYPES');
  const prefixes = Array.isArray(types) ? (types as string[]) : ['#', '&'];
  return prefixes.includes(target.charAt(0));
}

/** The line and name lengths the server announced (ISUPPORT), or the usual ones. */
export function serverLimits(network?: irc.NetworkInfo): ServerLimits {
  const num = (key: string, fallback: number) => Number(network?.supports(key)) || fallback;
  return {
    lineLen: num('LINELEN', DEFAULT_LIMITS.lineLen),
    nickLen: num('NICKLEN', DEFAULT_LIMITS.nickLen),
    userLen: num('USERLEN', DEFAULT_LIMITS.userLen),
    hostLen: num('HOSTLEN', DEFAULT_LIMITS.hostLen),
  };
}

/** Resolves when services confirm a login (RPL_LOGGEDIN), the connection closes, or after `timeoutMs`. */
export function loggedIn(client: irc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.removeListener('loggedin', done);
      client.removeListener('close', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.on('loggedin', done);
    client.on('close', done);
  });
}
