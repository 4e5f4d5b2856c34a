import type { Logger } from '../log.js';
import type { LeaderLease, LeaseTiming } from '../data/lease.js';

/** What a master does on taking and on losing the lead. */
export interface LeaderDuties {
  /** Start the leader-only parts (schedulers, timers, distributor, chat, hassler, announcements). */
  lead(token: string): Promise<void>;
  /**
   * Stop them (chat disconnects); the master stands by afterwards. `held`: the lease is still held
   * (a clean stop), so their last writes go through; else the lead is lost, and chat leaves first,
   * without waiting on Redis (which may not answer).
   */
  stepDown(why: string, held: boolean): Promise<void>;
}

export type Role = 'leader' | 'standby' | 'stopped';

/**
 * How long after sending its last confirmed renewal the leader steps down by its own clock: the
 * lease TTL less half a renewal interval (at least a sixth of the TTL, as `renew` is at most a
 * third of it), so that it has stopped before the lease can lapse in Redis and a standby take it.
 */
export function ownDeadlineMs(t: LeaseTiming): number {
  return t.ttlMs - Math.floor(t.renewMs / 2);
}

type Settled<T> = { done: false } | { done: true; value: T } | { done: true; error: unknown };

/** `p`'s outcome, as a value. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value): Settled<T> => ({ done: true, value }), (error: unknown): Settled<T> => ({ done: true, error }));
}

/** Waits at most `ms` for `p`, without cancelling it (a command sent to Redis may still run there). */
async function within<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms))));
  try {
    return await Promise.race([settle(p), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Leader election for one master (README "Running several masters"). A standby tries the lease
 * every `pollMs`; the leader renews it every `renewMs` and steps down the moment a renewal fails
 * (another master holds it), a fenced write was refused (`lost()`), or, by its own clock, when no
 * renewal was confirmed within `ownDeadlineMs` of sending it: a leader cut off from Redis (its
 * commands hang, unanswered) stops its chat bots and leader parts before the lease lapses and a
 * standby takes over, and leads again only after acquiring the lease afresh. No step waits on
 * Redis longer than that deadline (or a poll, as a standby). Duties run one at a time: a step-down
 * finishes before the next lead begins.
 */
export class Leadership {
  private current: Role = 'standby';
  private timer?: NodeJS.Timeout;
  /** When the leader stands down by its own clock (epoch ms), and the timer that does it. */
  private deadlineAt = 0;
  private deadline?: NodeJS.Timeout;
  /** A try for the lease that Redis has not answered yet (a standby cut off): its answer is awaited, never a second try. */
  private acquiring?: { sentAt: number; answer: Promise<Settled<Awaited<ReturnType<LeaderLease['tryAcquire']>>>> };
  /** A heartbeat Redis has not answered yet: no second one piles up behind it. */
  private beating?: Promise<void>;
  /** The last step-down's duties: a new lead waits for them. */
  private stopping: Promise<void> = Promise.resolve();
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly lease: LeaderLease,
    private readonly duties: LeaderDuties,
    private readonly log: Logger,
  ) {
    lease.fence.onRefused = () => this.lost('a leader-only write was refused: another master holds the lease');
  }

  get role(): Role {
    return this.current;
  }

  /** Try the lease once (leading before this resolves when it is free), then keep at it in the background. */
  async start(): Promise<void> {
    // The first try waits for Redis's answer however long it takes (the master just reached Redis).
    await this.serial(() => this.tick(true));
    this.schedule();
  }

  /** Resolves once this master leads (tests, `bb master` logging). */
  leading(): Promise<void> {
    if (this.current === 'leader') return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  /** New lease timing (a config reload): used from the next renewal or poll on. */
  retime(timing: LeaseTiming): void {
    this.lease.timing = timing;
  }

  /** A fenced write was refused: another master leads. Step down now, without waiting for the next renewal. */
  lost(why: string): void {
    if (this.current !== 'leader') return;
    void this.serial(async () => {
      if (this.current === 'leader') await this.down(why);
    });
  }

  /** Stop: step down (releasing the lease, so a standby takes over on its next poll) and try no more. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.serial(async () => {
      const was = this.current;
      this.current = 'stopped';
      this.disarm();
      // The parts stop while the lease is still held (their last writes go through), then it is given up.
      if (was === 'leader') await this.duties.stepDown('master stopping', true).catch((err) => this.log.error({ err }, 'stopping the leader parts failed'));
      // Redis away: the lease lapses by its TTL instead.
      const ttl = this.lease.timing.ttlMs;
      await within(this.lease.release(), ttl);
      await within(this.lease.forget(), ttl);
    });
  }

  /** Stand down by this master's own clock at `sentAt` + `ownDeadlineMs`, unless a renewal sent later is confirmed first. */
  private arm(sentAt: number): void {
    this.disarm();
    this.deadlineAt = sentAt + ownDeadlineMs(this.lease.timing);
    this.deadline = setTimeout(() => this.expired(), Math.max(0, this.deadlineAt - Date.now()));
  }

  private disarm(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  /**
   * No renewal confirmed in time: step down now, not behind a step that waits on Redis. The fence
   * is dropped at once (leader-only writes are refused from here on) and chat leaves first.
   */
  private expired(): void {
    this.deadline = undefined;
    if (this.current !== 'leader') return;
    const t = this.lease.timing;
    void this.down(`no lease renewal confirmed by Redis within ${ownDeadlineMs(t)} ms (lease ${t.ttlMs} ms): Redis unreachable or too slow`);
  }

  private schedule(): void {
    if (this.current === 'stopped') return;
    const t = this.lease.timing;
    this.timer = setTimeout(() => void this.serial(() => this.tick()).finally(() => this.schedule()), this.current === 'leader' ? t.renewMs : t.pollMs);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn).catch((err) => this.log.error({ err }, 'leadership step failed'));
    return this.chain;
  }

  private async tick(first = false): Promise<void> {
    if (this.current === 'stopped') return;
    if (this.current === 'leader') {
      // Every wait on Redis ends by the deadline: past it, this master no longer leads anyway.
      const beat = await within(this.beat('leader'), this.deadlineAt - Date.now());
      if (this.current !== 'leader') return;
      if (!beat.done) return; // Redis does not answer: the deadline timer stands this master down
      const sentAt = Date.now();
      const held = this.lease.token;
      const r = await within(this.lease.renew(), this.deadlineAt - sentAt);
      if (this.current !== 'leader' || this.lease.token !== held) return; // stood down meanwhile
      if (!r.done) return;
      if ('error' in r) return void this.log.warn({ err: r.error }, 'lease renewal failed; retrying until the lease deadline');
      if (r.value) return this.arm(sentAt);
      await this.down('another master took the lease');
      return;
    }
    // A step-down still stopping parts (it may wait on Redis) finishes before this master tries to lead again.
    if (!(await within(this.stopping, this.lease.timing.pollMs)).done) return;
    await within(this.beat('standby'), this.lease.timing.pollMs);
    if (!this.acquiring) {
      const sentAt = Date.now();
      this.acquiring = { sentAt, answer: settle(this.lease.tryAcquire()) };
    }
    const { sentAt, answer } = this.acquiring;
    const settled = first ? await settle(answer) : await within(answer, this.lease.timing.pollMs);
    if (!settled.done) return; // still unanswered: wait for that answer rather than send another try
    this.acquiring = undefined;
    if (!('value' in settled)) return; // settle() never rejects
    const got = settled.value;
    if (!got.done) return;
    if ('error' in got) return void this.log.warn({ err: got.error }, 'could not try the leader lease');
    if (!got.value.acquired) return;
    const token = got.value.token;
    if (this.current !== 'standby') return void (await within(this.lease.release(), this.lease.timing.ttlMs));
    if (Date.now() >= sentAt + ownDeadlineMs(this.lease.timing)) {
      // Redis answered too late to lead on this lease: give it back and try afresh.
      this.log.warn({ token, waitedMs: Date.now() - sentAt }, 'the lease was granted too late to lead on; giving it back');
      await within(this.lease.release(), this.lease.timing.ttlMs);
      return;
    }
    this.arm(sentAt);
    this.current = 'leader';
    this.log.info({ token }, 'took the lead');
    try {
      await this.duties.lead(token);
    } catch (err) {
      if (this.current === 'leader' && this.lease.token === token) {
        this.log.error({ err }, 'starting the leader parts failed; standing by');
        await this.down('the leader parts failed to start');
        return;
      }
    }
    if (this.current !== 'leader' || this.lease.token !== token) {
      // Stood down (by the deadline or a refused write) while the parts started: stop what started after that.
      await this.stopping;
      await this.duties.stepDown('the lead was lost while the leader parts started', false).catch((err) => this.log.error({ err }, 'stopping the leader parts failed'));
      return;
    }
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** This master's heartbeat, unless the last one is still unanswered (then that one's answer). */
  private beat(role: 'leader' | 'standby'): Promise<void> {
    this.beating ??= this.lease
      .heartbeat(role)
      .catch(() => undefined)
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async down(why: string): Promise<void> {
    if (this.current !== 'leader') return;
    const token = this.lease.held?.token;
    this.lease.drop(); // leader-only writes are refused from here on, whatever is still running
    this.disarm();
    this.current = 'standby';
    this.log.warn({ token, why }, 'lost the lead; standing by');
    const stopping = this.stopping.then(() => this.duties.stepDown(why, false)).catch((err) => this.log.error({ err }, 'stopping the leader parts failed'));
    this.stopping = stopping;
    await stopping;
    this.log.info({ token }, 'the leader parts have stopped');
  }
}
