import type irc from 'irc-framework';
import type { Logger } from '../../log.js';
import type { IrcChannel } from './options.js';
import type { IrcStatus } from './status.js';

/** How long a rejoin waits after the bot was kicked. */
const REJOIN_AFTER_KICK_MS = 10_000;

export interface ChannelContext {
  channels: IrcChannel[];
  /** Queues a control line (JOIN). */
  send(line: string): void;
  status(s: IrcStatus): void;
  log: Logger;
  /** Runs `fn` after `ms` unless the transport stops first. */
  later(ms: number, fn: () => void): void;
}

export function joinLine(ch: IrcChannel): string {
  return ch.key ? `JOIN ${ch.name} ${ch.key}` : `JOIN ${ch.name}`;
}

/** Reports joins and refused joins, and rejoins a configured channel a while after a kick. */
export function watchChannels(client: irc.Client, ctx: ChannelContext): void {
  client.on('join', (e) => {
    if (client.caseCompare(e.nick, client.user.nick)) ctx.status({ kind: 'joined', channel: e.channel });
  });
  client.on('irc error', (e) => {
    if (e.channel && /channel|banned|key/.test(e.error)) ctx.status({ kind: 'join-failed', channel: e.channel, reason: e.reason ?? e.error });
  });
  client.on('kick', (e) => {
    if (!client.caseCompare(e.kicked, client.user.nick)) return;
    ctx.log.warn({ channel: e.channel, by: e.nick, reason: e.message }, 'irc bot was kicked');
    const ch = ctx.channels.find((c) => client.caseCompare(c.name, e.channel));
    if (ch) ctx.later(REJOIN_AFTER_KICK_MS, () => ctx.send(joinLine(ch)));
  });
}
