import type { HassleConfig, MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { type HassleEntry, type HassleState } from '../model/hassle.js';
import type { Logger } from '../log.js';
import type { Delivered, Reach } from '../notify/reach.js';
import type { Timers } from '../model/timers.js';
import type { User } from '../model/user.js';
import { KeyedMutex } from '../util/mutex.js';
import { ended, mention, notMeNotice, reminder, started, type Culprit, type Role } from './hassle-text.js';
import { dueAt, ladderFor, quietUntil, stepAt, type LadderStep } from './ladder.js';
import type { Problem } from '../model/problem.js';
import { currentSheriff } from './sheriff-store.js';

/** A reminder whose every send failed is tried again this much later, at most RETRIES more times. */
const RETRY_MS = 5 * 60_000;
const RETRIES = 3;

export interface HasslerOptions {
  store: Store;
  config: MasterConfig;
  /** Each Problem's ladder has one `hassle` timer; the ladder's clock is the timers' (the master's). */
  timers: Timers;
  reach: Reach;
  log: Logger;
  botName?: string;
}

/**
 * The hassler: keeps after the people responsible for a confirmed Problem until it is fixed.
 *
 * Each Problem's ladder is stored in Redis (`db:hassle:<id>`: the next step, when the last one
 * ran, reminders held for quiet hours) and woken by one `hassle` timer (src/model/timers.ts, one per
 * Problem). A wake-up does whatever is due by the clock and arms the next, so a restarted master
 * (or a stale job) loses nothing and repeats nothing: every delivery is recorded with a marker
 * before the step moves on, and a step already marked is not sent again.
 */
export class Hassler {
  private readonly lock = new KeyedMutex();
  private h: HassleConfig;
  private offs: Array<() => void> = [];
  private stopped = false;
  private readonly pending = new Set<Promise<void>>();
  private markStarted: () => void = () => {};
  /** Wake-up jobs wait for start(), which the master calls once chat is up. */
  private readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));

  constructor(private readonly o: HasslerOptions) {
    this.h = o.config.problems.hassle;
  }

  /**
   * The config was replaced in place (`bb reconfig`): take its ladder settings and how people are
   * reached. Ladders stored in Redis and their wake-ups carry on.
   */
  refresh(reach: Reach): void {
    this.h = this.o.config.problems.hassle;
    this.o.reach = reach;
  }

  /** The bot's name and the web address, for where the whole list of tests can be read. */
  private pointers(): { botName: string; titleUrl?: string | undefined } {
    return { botName: this.o.botName ?? this.o.config.chat?.botName ?? 'bb', titleUrl: this.o.config.titleUrl };
  }

  private now(): number {
    return this.o.timers.clock.now();
  }

  /** Listens for Problems opening and ending; starts ladders missed while no master ran and wakes the running ones (`idle()` waits for that). */
  async start(): Promise<void> {
    const bus = this.o.store.bus;
    this.offs = [
      bus.on('problem.opened', (p) => this.track(this.begin(p))),
      bus.on('problem.resolved', (p) => this.track(this.wake(p.id))),
      bus.on('problem.flaky', (p) => this.track(this.wake(p.id))),
      bus.on('problem.changed', (p) => this.track(this.wake(p.id))),
    ];
    this.markStarted();
    // In the background: many reminders due at once must not hold up the master's start.
    this.track(this.catchUp());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markStarted();
    for (const off of this.offs) off();
    this.offs = [];
    await this.idle();
  }

  /** Resolves when every wake-up started so far is done. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }

  /** Every running ladder woken again by the clock (start, and tests that moved the clock). */
  async rearm(): Promise<void> {
    await this.catchUp();
    await this.idle();
  }

  private track(p: Promise<void>): void {
    const t = p.catch((err) => this.o.log.error({ err }, 'hassle failed'));
    this.pending.add(t);
    void t.finally(() => this.pending.delete(t));
  }

  private async catchUp(): Promise<void> {
    const active = new Set(await this.o.store.hassle.active());
    for (const p of await this.o.store.problems.open()) if (p.state === 'confirmed' && !active.has(p.id)) await this.begin(p);
    for (const id of active) await this.wake(id);
  }

  /** A Problem was confirmed: its ladder starts (once). */
  async begin(p: Problem): Promise<void> {
    if (!this.h.enabled || p.state !== 'confirmed') return;
    await this.o.store.hassle.create({ problemId: p.id, base: p.confirmedAt ?? p.openedAt, next: 0, held: [], startTold: false });
    await this.wake(p.id);
  }

  /** Does what is due for Problem `id` and arms its next wake-up; `jobId` is the wake-up job running it. */
  async wake(id: number, jobId?: string): Promise<void> {
    if (jobId) await this.started;
    if (this.stopped) {
      if (jobId) throw new Error('the hassler is stopping; the wake-up is retried');
      return;
    }
    await this.lock.run(String(id), () => this.run(id, jobId));
  }

  private async run(id: number, jobId?: string): Promise<void> {
    const { store } = this.o;
    if (jobId) await this.o.timers.release('hassle', String(id), jobId);
    const s = await store.hassle.get(id);
    if (!s || s.ended) return;
    const p = await store.problems.get(id);
    const now = this.now();
    if (!p) {
      await store.hassle.put({ ...s, ended: true });
      return;
    }
    if (p.state === 'resolved' || p.state === 'flaky') return this.end(p, s);
    if (p.state !== 'confirmed') return;
    if (!s.startTold) {
      await this.tellInterested(p, 'start', started(p, await this.culprit(p), this.pointers()));
      s.startTold = true;
      await store.hassle.put(s);
    }
    await this.tellSheriffNotMe(p, now);
    // Switched off in the config: ladders already running send nothing more (endings are still told).
    if (!this.h.enabled) return;
    const levels = ladderFor(this.h, p.builders.map((b) => b.builder), await this.projectOf(p));
    const pausedUntil = this.pausedUntil(p);
    // Reminders held back (quiet hours, a failed send) whose time has come, unless an ack or snooze pauses all.
    for (const held of pausedUntil > now ? [] : s.held.filter((x) => x.at <= now)) {
      const step = stepAt(levels, Number(held.step.slice(1)) - 1 + (held.step.startsWith('R') ? levels.length : 0), this.h);
      s.held = s.held.filter((x) => x !== held);
      if (step) {
        const role = (await this.recipients(p, step.level.to, now)).find((r) => r.name === held.user)?.role ?? 'responsible';
        await this.remind(p, s, step, [{ name: held.user, role }], now, true);
      }
      await store.hassle.put(s);
    }
    let wakeAt: number | undefined;
    for (;;) {
      const step = stepAt(levels, s.next, this.h);
      if (!step) break; // the ladder is done; held reminders may remain, and the ending is still told
      const due = dueAt(levels, step, s.base, s.lastRunAt, this.h.repeatEvery);
      if (due > now) {
        wakeAt = Math.max(due, pausedUntil);
        break;
      }
      if (pausedUntil > now) {
        if (!(await store.hassle.wasSent(id, `${step.key}|paused|${pausedUntil}`))) {
          await store.hassle.record(id, { at: now, step: step.key, to: '-', via: 'none', outcome: 'paused', note: `${this.pauseNote(p)} until ${new Date(pausedUntil).toISOString()}` }, `${step.key}|paused|${pausedUntil}`);
        }
        wakeAt = pausedUntil;
        break;
      }
      await this.runStep(p, s, step, now);
      s.lastRunAt = now;
      s.next = step.index + 1;
      await store.hassle.put(s);
    }
    for (const held of s.held) {
      const at = Math.max(held.at, pausedUntil);
      wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at);
    }
    if (wakeAt !== undefined) await this.o.timers.arm('hassle', String(id), { problem: id, at: wakeAt }, wakeAt);
  }

  private pausedUntil(p: Problem): number {
    const lastAck = p.acks.reduce((m, a) => Math.max(m, a.at), 0);
    return Math.max(p.snoozedUntil ?? 0, lastAck ? lastAck + this.h.ackPause : 0);
  }

  private pauseNote(p: Problem): string {
    const lastAck = p.acks[p.acks.length - 1];
    if (p.snoozedUntil && p.snoozedUntil > (lastAck ? lastAck.at + this.h.ackPause : 0)) return `snoozed by ${p.snoozedBy ?? 'someone'}`;
    return lastAck ? `acknowledged by ${lastAck.user}${lastAck.note ? ` ("${lastAck.note}")` : ''}` : 'paused';
  }

  /** The Problem resolved or turned out flaky: tell the interested (and those reminded) once, and stop. */
  private async end(p: Problem, s: HassleState): Promise<void> {
    if (p.state === 'resolved' && s.startTold) {
      const reminded = new Set((await this.o.store.hassle.log(p.id)).filter((e) => e.outcome === 'sent' && e.via !== 'channel' && !e.to.includes(':')).map((e) => e.to));
      await this.tellInterested(p, 'end', ended(p, this.pointers()), [...reminded]);
    }
    await this.o.store.hassle.put({ ...s, held: [], ended: true });
    await this.o.timers.cancel('hassle', String(p.id));
    this.o.log.info({ problem: p.id, state: p.state }, 'hassle over');
  }

  private async tellInterested(p: Problem, step: 'start' | 'end', msg: { subject: string; text: string; body?: string }, also: string[] = []): Promise<void> {
    const names = [...new Set([...p.interested, ...p.watchers, ...also])];
    for (const name of names) {
      const marker = `${step}|${name}`;
      if (await this.o.store.hassle.wasSent(p.id, marker)) continue;
      const user = await this.userOf(name);
      const done = await this.o.reach.person(user, msg, { chat: true, email: false }, hassleId(p.id, marker));
      await this.record(p.id, step, name, done, marker, false);
    }
  }

  /** Someone said `not me`: the sheriff on duty hears it (once per saying), to find who it was. */
  private async tellSheriffNotMe(p: Problem, now: number): Promise<void> {
    if (!p.notMe.length) return;
    const sheriff = await currentSheriff(this.o.store, this.o.config, now);
    if (!sheriff) return;
    for (const n of p.notMe) {
      const marker = `notme|${n.user}|${n.at}`;
      if (n.user === sheriff || (await this.o.store.hassle.wasSent(p.id, marker))) continue;
      const msg = notMeNotice(p, n.user, n.note, this.o.botName ?? this.o.config.chat?.botName ?? 'bb');
      const done = await this.o.reach.person(await this.userOf(sheriff), msg, { chat: true, email: false }, hassleId(p.id, marker));
      await this.record(p.id, 'not-me', sheriff, done, marker, false);
    }
  }

  /** One ladder step: mention in the channels, then each recipient by DM or email. */
  private async runStep(p: Problem, s: HassleState, step: LadderStep, now: number): Promise<void> {
    const recipients = await this.recipients(p, step.level.to, now);
    const via = step.level.via;
    this.o.log.info({ problem: p.id, step: step.key, recipients: recipients.map((r) => r.name), via }, 'hassle step');
    if (via.includes('channel')) await this.mentionIn(p, step, recipients.filter((r) => r.role !== 'interested').map((r) => r.name), now);
    if (via.includes('dm') || via.includes('email')) await this.remind(p, s, step, recipients, now, false);
  }

  private async remind(p: Problem, s: HassleState, step: LadderStep, recipients: Array<{ name: string; role: Role }>, now: number, released: boolean): Promise<void> {
    const { store } = this.o;
    const via = step.level.via;
    const culprit = await this.culprit(p);
    const log = await store.hassle.log(p.id);
    for (const { name, role } of recipients) {
      const marker = `${step.key}|${name}`;
      if (await store.hassle.wasSent(p.id, marker)) continue;
      const user = await this.userOf(name);
      if (!released && !step.level.overridesQuietHours) {
        const until = quietUntil(now, user.timeZone ?? this.h.timeZone, user.quietHours ?? this.h.quietHours);
        if (until !== null) {
          s.held.push({ step: step.key, user: name, at: until });
          await store.hassle.record(p.id, { at: now, step: step.key, to: name, via: 'none', outcome: 'held', note: `quiet hours until ${new Date(until).toISOString()}` });
          continue;
        }
      }
      if ((await store.hassle.remindersInDay(name, now)) >= this.h.maxPerPersonPerDay) {
        await store.hassle.record(p.id, { at: now, step: step.key, to: name, via: 'none', outcome: 'capped', note: `${this.h.maxPerPersonPerDay} reminders in 24h already` }, marker);
        continue;
      }
      const count = new Set(log.filter((e) => e.to === name && e.outcome === 'sent' && /^[LR]/.test(e.step)).map((e) => e.step)).size;
      const msg = reminder(p, { ...this.pointers(), tone: step.tone, role, count, openFor: now - s.base, culprit });
      // Only the leader reminds: a master that lost the lead (paused past its lease) sends no mail either.
      await store.assertLeading();
      const done = await this.o.reach.person(user, msg, { chat: via.includes('dm'), email: via.includes('email') }, hassleId(p.id, marker));
      // A failed send (the mail server or chat down) is tried again later, up to RETRIES times.
      const tries = log.filter((e) => e.step === step.key && e.to === name && e.outcome === 'failed').length;
      const marked = await this.record(p.id, step.key, name, done, marker, true, tries >= RETRIES);
      if (!marked) {
        s.held.push({ step: step.key, user: name, at: now + RETRY_MS });
        continue;
      }
      // An earlier reminder still held for this person's morning is old news now.
      const stale = s.held.filter((h) => h.user === name);
      if (stale.length) {
        s.held = s.held.filter((h) => h.user !== name);
        for (const h of stale) await store.hassle.record(p.id, { at: now, step: h.step, to: name, via: 'none', outcome: 'superseded', note: `${step.key} reached them first` }, `${h.step}|${name}`);
      }
    }
  }

  private async mentionIn(p: Problem, step: LadderStep, names: string[], now: number): Promise<void> {
    const targets = this.h.channels ?? [...new Set((this.o.config.chat?.announce ?? []).map((a) => a.target))];
    const culprit = await this.culprit(p);
    const users = await Promise.all(names.map((n) => this.userOf(n)));
    for (const target of targets) {
      const marker = `${step.key}|#|${target}`;
      if (await this.o.store.hassle.wasSent(p.id, marker)) continue;
      const kind = target.slice(0, target.indexOf(':')) as 'irc' | 'matrix' | 'shell';
      const text = mention(p, users.map((u) => this.o.reach.nameOn(kind, u)), { ...this.pointers(), tone: step.tone, openFor: now - (p.confirmedAt ?? p.openedAt), culprit });
      const [d] = await this.o.reach.channels([target], text, users.flatMap((u) => (u.matrixId ? [u.matrixId] : [])), hassleId(p.id, marker));
      await this.o.store.hassle.record(p.id, { at: now, step: step.key, to: target, via: 'channel', outcome: d?.ok ? 'sent' : 'failed', ...(d?.note ? { note: d.note } : {}) }, d?.ok ? marker : undefined);
    }
  }

  /** Records each attempt; the marker once something reached the person (or nothing could). */
  /**
   * Records each attempt. The marker (never again) is set once something reached the person, or
   * nothing could (no address, no chat), or `final`; otherwise the caller may try again. Returns
   * whether it was marked.
   */
  private async record(id: number, step: string, name: string, done: Delivered[], marker: string, counts: boolean, final = true): Promise<boolean> {
    const at = this.now();
    const ok = done.filter((d) => d.ok);
    const mark = ok.length > 0 || done.every((d) => d.via === 'none') || final;
    for (const d of done) {
      const outcome: HassleEntry['outcome'] = d.ok ? 'sent' : d.via === 'none' ? 'undeliverable' : 'failed';
      const last = d === done[done.length - 1];
      await this.o.store.hassle.record(id, { at, step, to: name, via: d.via === 'none' ? 'none' : d.via, outcome, note: [d.to, d.note].filter(Boolean).join(': ') }, last && mark ? marker : undefined, d.ok && counts ? name : undefined);
    }
    if (!ok.length) this.o.log.warn({ problem: id, step, user: name, attempts: done }, mark ? 'reminder reached nobody' : 'reminder failed; trying again later');
    return mark;
  }

  /** Who a level's `to` names, each with why. Those who said `not me` are off the guilty already. */
  private async recipients(p: Problem, to: readonly string[], now: number): Promise<Array<{ name: string; role: Role }>> {
    const sheriff = await currentSheriff(this.o.store, this.o.config, now);
    const out = new Map<string, Role>();
    const add = (names: string[], role: Role) => {
      for (const n of names) if (!out.has(n)) out.set(n, role);
    };
    const owners = p.responsible.filter((u) => !p.guilty.includes(u) && u !== sheriff);
    if (to.includes('guilty')) add(p.guilty, 'guilty');
    // Nobody blamed (no changes, infrastructure, or all said `not me`): what the guilty would hear
    // goes to the sheriff and the builders' owners instead, never to nobody.
    if (to.includes('guilty') && !p.guilty.length) {
      if (sheriff) add([sheriff], 'sheriff');
      add(p.builders.flatMap((b) => this.o.config.tiers?.owners[b.builder] ?? []), 'owner');
    }
    if (to.includes('sheriff') && sheriff) add([sheriff], 'sheriff');
    if (to.includes('owners')) add(owners, 'owner');
    if (to.includes('responsible')) {
      add(p.guilty, 'guilty');
      if (sheriff) add([sheriff], 'sheriff');
      add(owners, 'owner');
    }
    if (to.includes('interested')) add([...p.interested, ...p.watchers], 'interested');
    const notMe = new Set(p.notMe.map((n) => n.user));
    return [...out].filter(([n]) => !(notMe.has(n) && out.get(n) === 'guilty')).map(([name, role]) => ({ name, role }));
  }

  private async userOf(name: string): Promise<User> {
    return (await this.o.store.users.get(name)) ?? { name, emails: [], authors: [], createdAt: 0 };
  }

  /** The commit the Problem started at: the first bad build's Change at that revision, else its newest. */
  private async culprit(p: Problem): Promise<Culprit> {
    const first = p.builders[0];
    const build = first ? await this.o.store.getBuild(first.firstBadBuildId) : null;
    const changes = build ? await this.o.store.getChanges(build.sourcestamp.changeIds) : [];
    const c = changes.find((x) => x.revision === p.firstBadRevision) ?? changes[changes.length - 1];
    if (!c) return { revision: p.firstBadRevision };
    return { revision: p.firstBadRevision, ...(c.comments ? { subject: c.comments.split('\n')[0]! } : {}), ...(c.author ? { author: c.author.replace(/\s*<[^>]*>\s*$/, '') } : {}) };
  }

  private async projectOf(p: Problem): Promise<string | undefined> {
    const first = p.builders[0];
    const build = first ? await this.o.store.getBuild(first.firstBadBuildId) : null;
    return build?.sourcestamp.project || undefined;
  }
}

/**
 * A reminder's message id (OutboxOptions.id): its marker is written only after it went out, so a
 * leader killed in between leaves it to the next, which decides it again under the same id (one
 * event on Matrix).
 */
function hassleId(problem: number, marker: string): string {
  return `hassle:${problem}:${marker}`;
}
