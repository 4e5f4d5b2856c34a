import type { OutboxEntry } from '../data/outbox-repo.js';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';
import { Kicker } from '../util/mutex.js';
import { plan, type BacklogRules } from './backlog.js';
import type { ChatTransport } from './transport.js';

const BATCH = 200;

export interface DrainTuning {
  /** First wait after a failed send, doubled up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often readiness is looked at while the transport is down. */
  pollMs?: number;
}

/**
 * Says what waits in one transport's outbox, oldest first, whenever the transport is up: an
 * entry leaves Redis only once the transport took it (so a crash in between sends it twice, never
 * not at all; on Matrix the entry's id is the transaction id, so the homeserver keeps one message). While the network is down nothing is tried; a failed send is retried with backoff,
 * except a refusal by the server (a 4xx: not in the room, no such user), which is logged and dropped.
 */
export class OutboxDrain {
  private readonly kicker: Kicker;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly transport: ChatTransport,
    private readonly log: Logger,
    private readonly rules: BacklogRules,
    private readonly tuning: DrainTuning = {},
    private readonly now: () => number = Date.now,
  ) {
    this.kicker = new Kicker(() => this.drain(), (err) => this.log.error({ err, transport: transport.kind }, 'chat outbox drain failed'));
  }

  kick(): void {
    if (this.stopped) return;
    this.wake?.();
    this.kicker.kick();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves once nothing is being said (tests). */
  settled(): Promise<void> {
    return this.kicker.settled();
  }

  private async drain(): Promise<void> {
    const kind = this.transport.kind;
    while (!this.stopped) {
      const batch = await this.store.outbox.peek(kind, BATCH);
      if (!batch.length) return;
      if (!this.ready()) {
        await this.pause(this.tuning.pollMs ?? 250);
        continue;
      }
      const good = batch.filter((e): e is OutboxEntry => e !== null);
      const steps = plan(good, this.now(), this.rules);
      let i = 0;
      for (const e of batch) {
        if (this.stopped) return;
        if (e === null) {
          this.log.error({ transport: kind }, 'dropping a malformed chat outbox entry');
        } else {
          const step = steps[i++]!;
          if (step.kind === 'send') {
            await this.store.assertLeading(); // throws once another master leads
            if (!(await this.say(step.entry, step.text, step.html))) return;
          }
        }
        await this.store.outbox.pop(kind);
      }
    }
  }

  /** Says one entry, retrying until it is said or refused; false when stopped first. */
  private async say(e: OutboxEntry, text: string, html: string | undefined): Promise<boolean> {
    let wait = this.tuning.retryMs ?? 500;
    for (;;) {
      if (this.stopped) return false;
      if (!this.ready()) {
        await this.pause(this.tuning.pollMs ?? 250);
        continue;
      }
      try {
        await this.send(e, text, html);
        return true;
      } catch (err) {
        if (this.stopped) return false;
        if (refused(err)) {
          this.log.error({ err, transport: this.transport.kind, to: e.to, at: e.at }, 'chat message refused by the server; dropped');
          return true;
        }
        this.log.warn({ err, transport: this.transport.kind, to: e.to, retryInMs: wait }, 'chat message not delivered; will retry');
        await this.pause(wait);
        wait = Math.min(wait * 2, this.tuning.maxRetryMs ?? 30_000);
      }
    }
  }

  private async send(e: OutboxEntry, text: string, html: string | undefined): Promise<void> {
    const t = this.transport;
    // The entry's id makes a resend (a retry here, or a new leader's after a failover) one message on Matrix.
    const opts = { ...(html !== undefined ? { html } : {}), ...(e.mentions?.length ? { mentions: e.mentions } : {}), ...(e.id ? { txnId: e.id } : {}) };
    if (!e.direct) return t.send(e.to, text, opts);
    if (!t.directRoom) return t.sendDirect(e.to, text, opts);
    // A DM room is looked up once and kept: a restart or an outage never opens a second one.
    let room = await this.store.outbox.dmRoom(t.kind, e.to);
    if (!room) {
      room = await t.directRoom(e.to);
      await this.store.outbox.setDmRoom(t.kind, e.to, room);
    }
    const roomId: string = room;
    try {
      await t.sendDirect(roomId, text, { ...opts, mentions: e.mentions ?? [e.to] });
    } catch (err) {
      // The bot is no longer in that room: the next try finds or makes another.
      if (refused(err)) await this.store.outbox.dropDmRoom(t.kind, e.to);
      throw retryable(err);
    }
  }

  private ready(): boolean {
    return this.transport.ready?.() ?? true;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}

/** A refusal by the server (4xx other than rate limiting): sending again will not help. */
function refused(err: unknown): boolean {
  const status = (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}

/** A refused DM (room gone) is worth one more try in a new room. */
function retryable(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (refused(err)) return Object.assign(new Error(`DM room refused (${e.message}); finding another`), { cause: e });
  return e;
}
