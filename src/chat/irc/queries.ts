import type irc from 'irc-framework';
import type { Presence } from '../transport.js';

type Send = (line: string) => Promise<void>;

/** Waits for the first event `pick` accepts, or null after `timeoutMs`. */
function awaitEvent<E extends 'whois' | 'userlist', T>(
  client: irc.Client,
  event: E,
  pick: (e: Parameters<irc.ClientEvents[E]>[0]) => T | undefined,
  timeoutMs: number,
): { result: Promise<T | null>; cancel(): void } {
  let done: (v: T | null) => void = () => {};
  const result = new Promise<T | null>((resolve) => (done = resolve));
  const listener = ((e: Parameters<irc.ClientEvents[E]>[0]) => {
    const v = pick(e);
    if (v !== undefined) finish(v);
  }) as irc.ClientEvents[E];
  const timer = setTimeout(() => finish(null), timeoutMs);
  const finish = (v: T | null) => {
    clearTimeout(timer);
    client.removeListener(event, listener);
    done(v);
  };
  client.on(event, listener);
  return { result, cancel: () => finish(null) };
}

/**
 * What WHOIS says of `nick`: offline when the server has no such nick; else away, idle seconds and
 * services account. Null when no answer comes in time.
 */
export async function whoisPresence(client: irc.Client, send: Send, nick: string, timeoutMs: number): Promise<Presence | null> {
  const wait = awaitEvent(client, 'whois', (e) => (client.caseCompare(e.nick, nick) ? e : undefined), timeoutMs);
  send(`WHOIS ${nick} ${nick}`).catch(() => wait.cancel());
  const e = await wait.result;
  if (!e) return null;
  if (e.error) return { online: false, away: false, idleSeconds: null, account: null };
  const idle = e.idle === undefined ? NaN : Number(e.idle);
  return { online: true, away: Boolean(e.away), idleSeconds: Number.isFinite(idle) ? idle : null, account: e.account ? String(e.account) : null };
}

/** Whether `nick` holds channel operator (or a higher prefix) in `channel`, by NAMES. */
export async function isChannelOperator(client: irc.Client, send: Send, channel: string, nick: string, timeoutMs: number): Promise<boolean> {
  const wait = awaitEvent(client, 'userlist', (e) => (client.caseCompare(e.channel, channel) ? e : undefined), timeoutMs);
  send(`NAMES ${channel}`).catch(() => wait.cancel());
  const e = await wait.result;
  const user = e?.users.find((u) => client.caseCompare(u.nick, nick));
  if (!user) return false;
  return user.modes.some((m) => operatorModes(client.network.options.PREFIX).includes(m));
}

/** Prefix modes from the top (owner) down to and including `o`. */
function operatorModes(prefix: irc.PrefixMode[]): string[] {
  const op = prefix.findIndex((p) => p.mode === 'o');
  return op < 0 ? ['o'] : prefix.slice(0, op + 1).map((p) => p.mode);
}
