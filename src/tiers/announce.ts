import type { ChatOutbox } from '../chat/outbox.js';
import { parseTarget } from '../chat/target.js';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';
import { audienceKey } from '../notify/audience.js';
import type { Reach } from '../notify/reach.js';
import { SubscriptionStore } from '../notify/subscriptions.js';

/**
 * How the tiers code talks. Tier events (halted, resumed, demoted, promoted, suggestion, tree)
 * are the announcement class `tiers`: they go to every channel subscribed to it (`chat.announce`
 * events, or `notify on tiers` in the channel), through the master's ChatOutbox; before chat is
 * up (a demotion that expired while the master was down) into the transport's durable outbox in
 * Redis, said once chat connects. A builder's `tiers.owners` are named in the line and told
 * themselves: by DM where they are active on chat, otherwise by email (src/notify/reach.ts).
 */
export class TierAnnouncer {
  private fixed?: string[];

  constructor(
    private readonly store: Store,
    private readonly config: () => MasterConfig,
    private outbox: (() => ChatOutbox | undefined) | undefined,
    channels: string[] | undefined,
    private readonly log?: Logger,
    private readonly reach?: () => Reach | undefined,
  ) {
    if (channels) this.fixed = channels;
  }

  /** Sends through `outbox` to `channels` (instead of the subscribed ones) from now on (tests, the demo). */
  use(outbox: ChatOutbox, channels: string[]): void {
    this.outbox = () => outbox;
    this.fixed = channels;
  }

  /** The channels subscribed to the `tiers` class now. */
  async channels(): Promise<string[]> {
    if (this.fixed) return this.fixed;
    const subs = new SubscriptionStore(this.store.subscriptions, this.config().chat?.announce ?? []);
    return (await subs.audiences()).filter((a) => a.audience.kind === 'channel' && a.events.includes('tiers')).map((a) => audienceKey(a.audience));
  }

  /**
   * `skip`: a channel that heard it already (the command's reply there). `id`: the line's own
   * (OutboxOptions.id; each message's is `<id>|<channel or owner>`).
   */
  async say(text: string, builder?: string, skip?: string, id?: string): Promise<void> {
    this.log?.info({ text }, 'tiers');
    const outbox = this.outbox?.();
    const owners = builder ? (this.config().tiers?.owners[builder] ?? []) : [];
    const line = owners.length ? `${text} (owners: ${owners.join(', ')})` : text;
    for (const ch of (await this.channels()).filter((c) => c !== skip)) {
      const sent = outbox ? outbox.send(ch, line, id ? { id: `${id}|${ch}` } : {}) : this.later(ch, line, id && `${id}|${ch}`);
      await sent.catch((err) => this.log?.warn({ err, ch }, 'tiers: not sent'));
    }
    for (const name of owners) await this.tell(name, text, builder!, id && `${id}|owner:${name}`).catch((err) => this.log?.warn({ err, name }, 'tiers: owner not told'));
  }

  /** Before chat is up: into the transport's outbox in Redis, said when chat connects. */
  private async later(target: string, text: string, id?: string): Promise<void> {
    const { transport, where } = parseTarget(target);
    if (transport === 'shell' || !this.config().chat?.[transport]) throw new Error(`no ${transport} chat configured`);
    await this.store.outbox.push(transport, { v: 1, at: Date.now(), to: where, direct: false, text, tally: 'tiers', ...(id ? { id } : {}) });
  }

  /** An owner hears it where they are: a DM where they are active on chat, otherwise email. */
  private async tell(name: string, text: string, builder: string, id?: string): Promise<void> {
    const u = await this.store.users.get(name);
    if (!u) return;
    const reach = this.reach?.();
    if (reach) {
      const went = await reach.person(u, { subject: `bb: ${builder}: ${text.slice(0, 80)}`, text, body: `${text}\n\nYou are an owner of the builder ${builder} (tiers.owners).` }, { chat: true, email: false }, id);
      this.log?.info({ owner: name, went }, 'tiers: owner told');
      return;
    }
    const outbox = this.outbox?.();
    if (!outbox) return;
    if (u.ircNick) await outbox.sendDirect('irc', u.ircNick, text, id ? { id: `${id}|irc` } : {}).catch(() => undefined);
    if (u.matrixId) await outbox.sendDirect('matrix', u.matrixId, text, id ? { id: `${id}|matrix` } : {}).catch(() => undefined);
  }
}
