import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { firstBadTests } from './index.js';
import type { Problem, ProblemSubject } from '../model/problem.js';
import { type HassleEntry } from '../model/hassle.js';
import { currentSheriff } from './sheriff-store.js';
import { isoWeek } from './sheriff.js';
import { FlakyMemory, type FlakyRecord } from './flaky.js';
import { ActionError } from '../actions/error.js';

/** A refusal with a message fit for chat. */
export class ProblemActionError extends ActionError {}

/** What chat commands may read and do about Problems (`api.problems`). */
export interface ProblemsApi {
  /** Suspected and confirmed Problems, oldest first. */
  open(): Promise<Problem[]>;
  get(id: number): Promise<Problem | null>;
  /** Why there is no Problem `id`: pruned by retention, or never one. */
  missing(id: number): Promise<string>;
  /** Flaky Problems, newest first. */
  flaky(): Promise<Problem[]>;
  /** Tests (and steps) remembered as flaky, per builder, with their flip rate over the window. */
  flakyTests(): Promise<Array<{ builder: string; record: FlakyRecord; flipRate: number }>>;
  /** `flaky <test> off`: no longer remembered as flaky anywhere; returns what was turned off. */
  flakyOff(label: string, by: string): Promise<Array<{ builder: string; subject: ProblemSubject }>>;
  ack(id: number, user: string, note?: string): Promise<Problem>;
  /** Takes `user` off the guilty (and responsible) list, recording why. */
  notMe(id: number, user: string, reason?: string): Promise<Problem>;
  snooze(id: number, user: string, ms: number): Promise<Problem>;
  watch(id: number, user: string): Promise<Problem>;
  sheriff(): Promise<{ user: string | null; rotation: string[]; week: string }>;
  /** The reminders the hassler sent about a Problem (and why some were not), oldest first. */
  history(id: number): Promise<HassleEntry[]>;
  /** Every test of the Problem's first failing build, to tell same-named tests apart. */
  buildTests(p: Problem): Promise<Array<{ suite: string; name: string }>>;
  /** The web pages' base address, when configured (links to `/problems/<id>`). */
  readonly titleUrl: string | undefined;
  /** How long `ack` pauses reminders (ms). */
  readonly ackPauseMs: number;
  setSheriff(user: string, by: string): Promise<void>;
}

/** The ProblemsApi of a running master: reads and writes through src/data/problems.ts. */
export class StoredProblems implements ProblemsApi {
  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  open(): Promise<Problem[]> {
    return this.store.problems.open();
  }

  get(id: number): Promise<Problem | null> {
    return this.store.problems.get(id);
  }

  async missing(id: number): Promise<string> {
    return (await this.store.retention.wasPruned('problems', id)) ? `Problem ${id} was resolved long ago and pruned (retention.problems).` : `There is no problem ${id}.`;
  }

  async flaky(): Promise<Problem[]> {
    return (await this.store.problems.recent(500)).filter((p) => p.state === 'flaky');
  }

  private memory(): FlakyMemory {
    return new FlakyMemory(this.store, this.config.problems.flaky, this.now);
  }

  flakyTests() {
    return this.memory().list();
  }

  flakyOff(label: string, by: string) {
    return this.memory().off(label, by);
  }

  private async change(id: number, fn: (p: Problem) => Problem): Promise<Problem> {
    const p = await this.store.problems.get(id);
    if (!p) throw new ProblemActionError(`There is no problem ${id}.`);
    return this.store.problems.put(fn(p), 'problem.changed');
  }

  ack(id: number, user: string, note?: string) {
    return this.change(id, (p) => ({ ...p, acks: [...p.acks, { user, at: this.now(), ...(note ? { note } : {}) }] }));
  }

  async notMe(id: number, user: string, reason?: string) {
    const p = await this.store.problems.get(id);
    if (!p) throw new ProblemActionError(`There is no problem ${id}.`);
    if (!p.guilty.includes(user)) throw new ProblemActionError(`${user} is not among the guilty of problem ${id} (${p.guilty.join(', ') || 'nobody'}).`);
    return this.change(id, (q) => ({
      ...q,
      guilty: q.guilty.filter((u) => u !== user),
      responsible: q.responsible.filter((u) => u !== user),
      notMe: [...q.notMe, { user, at: this.now(), ...(reason ? { note: reason } : {}) }],
    }));
  }

  snooze(id: number, user: string, ms: number) {
    return this.change(id, (p) => ({ ...p, snoozedUntil: this.now() + ms, snoozedBy: user }));
  }

  watch(id: number, user: string) {
    return this.change(id, (p) => (p.watchers.includes(user) ? p : { ...p, watchers: [...p.watchers, user], interested: [...new Set([...p.interested, user])] }));
  }

  history(id: number): Promise<HassleEntry[]> {
    return this.store.hassle.log(id);
  }

  buildTests(p: Problem) {
    return firstBadTests(this.store, p);
  }

  get titleUrl(): string | undefined {
    return this.config.titleUrl;
  }

  get ackPauseMs(): number {
    return this.config.problems.hassle.ackPause;
  }

  async sheriff() {
    const at = this.now();
    return { user: await currentSheriff(this.store, this.config, at), rotation: this.config.problems.sheriff, week: isoWeek(at).label };
  }

  async setSheriff(user: string, by: string) {
    const at = this.now();
    await this.store.problems.setSheriffOverride({ user, by, at, week: isoWeek(at).label });
  }
}
