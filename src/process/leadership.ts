import type { Logger } from '../log.js';
import type { LeaderLease, LeaseTiming } from '../data/lease.js';

/** What a master does on taking and on losing the lead. */
export interface LeaderDuties {
  /** Start the leader-only parts (schedulers, timers, distributor, chat, hassler, announcements). */
  lead(token: string): Promise<void>;
  /** Stop them at once (chat disconnects); the master stands by afterwards. */
  stepDown(why: string): Promise<void>;
}

export type Role = 'leader' | 'standby' | 'stopped';

/**
 * Leader election for one master (README "Running several masters"). A standby tries the lease
 * every `pollMs`; the leader renews it every `renewMs` and steps down the moment a renewal fails
 * (another master holds it), Redis has not confirmed it for a whole TTL, or a fenced write was
 * refused (`lost()`). Duties run one at a time: a step-down finishes before the next lead begins.
 */
export class Leadership {
  private current: Role = 'standby';
  private timer?: NodeJS.Timeout;
  private lastRenewed = 0;
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
    await this.serial(() => this.tick());
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
      // The parts stop while the lease is still held (their last writes go through), then it is given up.
      if (was === 'leader') await this.duties.stepDown('master stopping').catch((err) => this.log.error({ err }, 'stopping the leader parts failed'));
      await this.lease.release();
      await this.lease.forget();
    });
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

  private async tick(): Promise<void> {
    if (this.current === 'stopped') return;
    await this.lease.heartbeat(this.current).catch(() => undefined);
    if (this.current === 'leader') {
      let kept = false;
      try {
        kept = await this.lease.renew();
        if (kept) this.lastRenewed = Date.now();
      } catch (err) {
        // Redis away: the lease holds until its TTL, and after that another master may lead.
        if (Date.now() - this.lastRenewed < this.lease.timing.ttlMs) return void this.log.warn({ err }, 'lease renewal failed; retrying');
      }
      if (!kept) await this.down(this.lease.token === null ? 'another master took the lease' : 'the lease could not be renewed within its TTL');
      return;
    }
    let got;
    try {
      got = await this.lease.tryAcquire();
    } catch (err) {
      return void this.log.warn({ err }, 'could not try the leader lease');
    }
    if (!got.acquired) return;
    this.lastRenewed = Date.now();
    this.current = 'leader';
    this.log.info({ token: got.token }, 'took the lead');
    try {
      await this.duties.lead(got.token);
    } catch (err) {
      this.log.error({ err }, 'starting the leader parts failed; standing by');
      await this.down('the leader parts failed to start');
      return;
    }
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private async down(why: string): Promise<void> {
    const token = this.lease.held?.token;
    this.lease.drop(); // leader-only writes are refused from here on, whatever is still running
    this.current = 'standby';
    this.log.warn({ token, why }, 'lost the lead; standing by');
    await this.duties.stepDown(why).catch((err) => this.log.error({ err }, 'stopping the leader parts failed'));
  }
}
