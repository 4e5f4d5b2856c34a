import type { ChatConfig } from '../config/schema.js';
import type { CommandSpec } from './command.js';
import type { Authorizer } from './router.js';
import type { ChatMessage, ChatTransport, TransportKind } from './transport.js';
import type { ClaimRecord } from './identity.js';

export type ChatPermissions = ChatConfig['permissions'];

/**
 * Who may run dangerous commands, from `chat.permissions`: everyone when `everyone` is set; the
 * verified identities in `users` (`irc:<services account>`, a Matrix user id); the operators of
 * the IRC channels in `ircChannelOps`, asked of the server at the time; the bb user names in
 * `users`, for whoever holds a verified claim to that user (`i am user`, then the mailed code),
 * made from the account they speak from now; and the shell, which is the person who started bb. A
 * bare nick never grants anything, nor does an unverified claim. A denial says why and what would
 * allow it.
 */
export class ChatAuthorizer implements Authorizer {
  private readonly ircAccounts: Set<string>;
  private readonly matrixIds: Set<string>;
  private readonly bbUsers: Set<string>;

  constructor(
    private readonly permissions: ChatPermissions,
    private readonly transport: (kind: TransportKind) => ChatTransport | undefined,
    /** The claim filed for the message's sender (identity store); without it, bb user names grant nothing. */
    private readonly claimOf?: (m: ChatMessage) => Promise<ClaimRecord | null>,
  ) {
    this.ircAccounts = new Set(permissions.users.filter((u) => u.startsWith('irc:')).map((u) => u.slice(4).toLowerCase()));
    this.matrixIds = new Set(permissions.users.filter((u) => u.startsWith('@')));
    this.bbUsers = new Set(permissions.users.filter((u) => !u.includes(':') && !u.startsWith('@')));
  }

  async deny(spec: CommandSpec, m: ChatMessage): Promise<string | null> {
    if (m.transport === 'shell' || this.permissions.everyone) return null;
    if (m.account && this.listed(m.transport, m.account)) return null;
    const claim = m.account && this.claimOf ? await this.claimOf(m) : null;
    if (claim?.verified && claim.account?.toLowerCase() === m.account?.toLowerCase() && this.bbUsers.has(claim.user)) return null;
    if (m.transport === 'irc' && (await this.isChannelOp(m.sender))) return null;
    if (spec.permission === 'channel' && m.channel && (await this.isOperatorHere(m))) return null;
    if (claim && !claim.verified && this.bbUsers.has(claim.user)) {
      return `it needs permission: your claim to be ${claim.user} is not verified yet; say "verify CODE" with the code mailed to ${claim.user}, or "i am user ${claim.user}" for a new one`;
    }
    return this.why(spec, m);
  }

  private listed(transport: TransportKind, account: string): boolean {
    if (transport === 'irc') return this.ircAccounts.has(account.toLowerCase());
    if (transport === 'matrix') return this.matrixIds.has(account);
    return false;
  }

  /** Operator (or higher) right now in any channel of `ircChannelOps`. */
  private async isChannelOp(nick: string): Promise<boolean> {
    const irc = this.transport('irc');
    if (!irc?.isOperator) return false;
    for (const channel of this.permissions.ircChannelOps) {
      if (await irc.isOperator(channel, nick).catch(() => false)) return true;
    }
    return false;
  }

  /** Operator (IRC) or moderator (Matrix power level) of the channel or room the message was said in. */
  private async isOperatorHere(m: ChatMessage): Promise<boolean> {
    const t = this.transport(m.transport);
    if (!t?.isOperator || !m.channel) return false;
    return t.isOperator(m.channel, m.sender).catch(() => false);
  }

  /** Said after the router's `Sorry, <nick>, you may not <command>: `. */
  private why(spec: CommandSpec, m: ChatMessage): string {
    const needs = 'it needs permission';
    const channelOps = m.transport === 'irc' ? this.permissions.ircChannelOps : [];
    const here = spec.permission === 'channel' && m.channel && !channelOps.includes(m.channel) ? [m.channel] : [];
    const opsIn = [...here, ...channelOps];
    const ops = opsIn.length ? `, or be ${m.transport === 'matrix' ? 'a moderator' : 'a channel operator'} in ${opsIn.join(' or ')}` : '';
    if (m.transport === 'irc' && !m.account) {
      return `${needs}: log in to services (your nick is not identified), then ask an admin to add irc:<your account> to chat.permissions.users${ops}`;
    }
    const identity = m.transport === 'irc' ? `irc:${m.account}` : (m.account ?? m.sender);
    const claim = this.bbUsers.size ? `; or, if you are a bb user allowed to, say "i am user NAME", then "verify CODE" with the code I mail you` : '';
    return `${needs}: ask an admin to add ${identity} to chat.permissions.users${ops}${claim}`;
  }
}
