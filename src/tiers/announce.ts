import type { ChatOutbox } from '../chat/outbox.js';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';

/**
 * How the tiers code talks: one line to each announce channel (by default the targets of
 * `chat.announce`) through the master's ChatOutbox, and for a builder with `tiers.owners`, the
 * owners named in the line and told directly where their bb user has an IRC nick or a Matrix id.
 */
export class TierAnnouncer {
  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
    private outbox: (() => ChatOutbox | undefined) | undefined,
    private channels: string[] = [...new Set((config.chat?.announce ?? []).map((a) => a.target))],
    private readonly log?: Logger,
  ) {}

  /** Sends through `outbox` to `channels` from now on. */
  use(outbox: ChatOutbox, channels: string[]): void {
    this.outbox = () => outbox;
    this.channels = channels;
  }

  /** `skip`: a channel that heard it already (the command's reply there). */
  async say(text: string, builder?: string, skip?: string): Promise<void> {
    this.log?.info({ text }, 'tiers');
    const outbox = this.outbox?.();
    if (!outbox) return;
    const owners = builder ? (this.config.tiers?.owners[builder] ?? []) : [];
    const line = owners.length ? `${text} (owners: ${owners.join(', ')})` : text;
    for (const ch of this.channels.filter((c) => c !== skip)) await outbox.send(ch, line).catch((err) => this.log?.warn({ err, ch }, 'tiers: not sent'));
    for (const name of owners) {
      const u = await this.store.users.get(name);
      if (u?.ircNick) await outbox.sendDirect('irc', u.ircNick, text).catch(() => undefined);
      if (u?.matrixId) await outbox.sendDirect('matrix', u.matrixId, text).catch(() => undefined);
    }
  }
}
