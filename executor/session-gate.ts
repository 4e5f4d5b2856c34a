import type { Logger } from '../src/log.js';
import { readSessionRecord, type SessionRecord } from '../src/queue/session.js';

/** What the master's session record says about this process. */
export type SessionVerdict =
  | { kind: 'mine'; record: SessionRecord }
  /** No record, or one this process cannot verify (the master has another secret for this name). */
  | { kind: 'none'; unverifiable: boolean }
  /** The master accepted another process under this name after this one. */
  | { kind: 'other'; record: SessionRecord };

export interface SessionGateOptions {
  /** Reads the session record as stored (src/queue/executor-conn.ts: sessionRecordReader). */
  readRecord(): Promise<string | null>;
  executor: string;
  secret: string;
  session: string;
  log: Logger;
  /** Sends a fresh hello (the master answers by writing the record). */
  hello(): void;
  /** Called when the record names this process (`record`): take jobs. */
  open(record: SessionRecord): void;
  /** Called when it no longer does: take no new job. */
  close(): void;
  /** Called once when another process replaced this one. */
  replaced(by: SessionRecord): void;
  /** How often the record is read. Default 500 ms. */
  pollMs?: number;
  /** How long to wait for an answer before saying hello again and warning. Default 10 s. */
  helloEveryMs?: number;
}

/**
 * Keeps the executor's job worker closed until the master has proved, with a record signed under
 * this executor's secret, that it accepted this very process's hello; closes it again when the
 * record goes away or names another process. Says hello again while unanswered, and tells the
 * operator plainly why no job is taken.
 */
export class SessionGate {
  private timer?: NodeJS.Timeout;
  private isOpen = false;
  private waitingSince: number;
  private lastHello: number;
  private warned = false;
  private done = false;
  private everOpened = false;
  /** Whether the record this process opened with said to take jobs from the job list. */
  private jobList = false;

  constructor(private readonly o: SessionGateOptions) {
    this.waitingSince = Date.now();
    this.lastHello = Date.now();
  }

  start(): void {
    const tick = () => {
      void this.check()
        .catch((err: unknown) => this.o.log.debug({ err }, 'could not read the session record'))
        .finally(() => {
          if (!this.done) this.timer = setTimeout(tick, this.o.pollMs ?? 500);
        });
    };
    tick();
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get accepted(): boolean {
    return this.isOpen;
  }

  async verdict(): Promise<SessionVerdict> {
    const raw = await this.o.readRecord();
    const rec = readSessionRecord(raw, this.o.executor, this.o.secret);
    if (!rec) return { kind: 'none', unverifiable: raw !== null };
    return rec.session === this.o.session ? { kind: 'mine', record: rec } : { kind: 'other', record: rec };
  }

  private async check(): Promise<void> {
    const v = await this.verdict();
    if (this.done) return;
    if (v.kind === 'mine') {
      if (this.isOpen && Boolean(v.record.jobList) !== this.jobList) {
        // A master of another version took over and says where jobs come from now.
        this.jobList = Boolean(v.record.jobList);
        this.o.open(v.record);
      }
      if (!this.isOpen) {
        this.jobList = Boolean(v.record.jobList);
        this.isOpen = true;
        this.everOpened = true;
        this.warned = false;
        this.o.log.info({ session: this.o.session }, 'the master accepted this executor; taking jobs');
        this.o.open(v.record);
      }
      return;
    }
    if (v.kind === 'other' && this.everOpened) {
      // The master accepted a newer process under this name after this one.
      this.done = true;
      this.isOpen = false;
      this.o.close();
      this.o.log.error(
        { session: this.o.session, newSession: v.record.session, newHost: v.record.hostname },
        'another process under this executor name was accepted by the master after this one; this process takes no more jobs and stops',
      );
      this.o.replaced(v.record);
      return;
    }
    if (this.isOpen) {
      this.isOpen = false;
      this.waitingSince = Date.now();
      this.o.close();
      this.o.log.warn({ session: this.o.session }, 'the master no longer vouches for this executor; taking no jobs until it accepts a new hello');
      this.o.hello();
      this.lastHello = Date.now();
      return;
    }
    const every = this.o.helloEveryMs ?? 10_000;
    if (Date.now() - this.lastHello >= every) {
      if (!this.warned) {
        this.warned = true;
        this.o.log.warn(
          { session: this.o.session, unverifiable: v.kind === 'none' && v.unverifiable, waitedMs: Date.now() - this.waitingSince },
          'the master has not accepted this executor, so it takes no job: is the master running with this Redis and prefix, and is this executor\'s secret the one in the master config?',
        );
      }
      this.o.hello();
      this.lastHello = Date.now();
    }
  }
}
