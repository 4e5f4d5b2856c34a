import type { Logger } from '../log.js';
import type { ChatOutbox } from '../chat/outbox.js';
import type { MasterConfig, NotifyEvent } from '../config/schema.js';
import type { DueAnnouncement, ExecutorAnnouncement, RecordAnnouncement } from '../data/announcements.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { Problem } from '../model/problem.js';
import { KeyedMutex } from '../util/mutex.js';
import { audienceKey, type Audience } from './audience.js';
import { classifyProblem } from './classify.js';
import { announceFinished } from './finished.js';
import { executorNews, problemNews, startedNews, type News, type ProblemNewsEvent } from './news.js';
import { renderFor } from './render.js';
import { SubscriptionStore } from './subscriptions.js';
import { WatchStore } from './watches.js';
import { WatchClaims, type Claimed } from './watch-claims.js';

export interface AnnouncerOptions {
  store: Store;
  config: MasterConfig;
  outbox: ChatOutbox;
  log: Logger;
  /** mIRC colour codes for results on IRC. Default false (some clients show them as noise). */
  ircColours?: boolean;
}

/**
 * Listens to the store's bus (builds, executors, and Problems opened, found flaky or resolved) and
 * sends each event to every audience subscribed to a class it matches (and to whoever watches that
 * build), through the outbox. Events are decided one at a time, in the order the store published
 * them; sends run in order per audience.
 */
export class Announcer {
  private readonly subs: SubscriptionStore;
  private readonly claims: WatchClaims;
  private readonly log: Logger;
  private readonly order = new KeyedMutex();
  private readonly sending = new Set<Promise<void>>();
  private offs: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: AnnouncerOptions) {
    this.subs = new SubscriptionStore(opts.store.subscriptions, opts.config.chat?.announce ?? []);
    this.claims = new WatchClaims(opts.store, new WatchStore(opts.store.watches));
    this.log = opts.log.child({ component: 'announcer' });
  }

  /** Subscribes to the bus, then announces watched builds that ended while no announcer ran. */
  start(): this {
    const bus = this.opts.store.bus;
    this.offs = [
      bus.on('build.started', (b) => this.enqueue('build.started', () => this.started(b))),
      bus.on('build.finished', (b) => this.enqueue('build.finished', () => this.finished(b))),
      bus.on('executor.connected', (_e, due) => due && this.enqueue('executor.connected', () => this.executor(due))),
      bus.on('executor.lost', (_e, _why, due) => due && this.enqueue('executor.lost', () => this.executor(due))),
      bus.on('executor.refused', (_r, due) => due && this.enqueue('executor.refused', () => this.executor(due))),
      bus.on('problem.opened', (p) => this.enqueue('problem.opened', () => this.problem(p, 'opened'))),
      bus.on('problem.flaky', (p) => this.enqueue('problem.flaky', () => this.problem(p, 'flaky'))),
      bus.on('problem.resolved', (p) => this.enqueue('problem.resolved', () => this.problem(p, 'resolved'))),
    ];
    this.enqueue('catch-up', () => this.catchUp());
    return this;
  }

  /** Resolves when every event received so far has been decided and sent. */
  async idle(): Promise<void> {
    await this.chain;
    while (this.sending.size) await Promise.all(this.sending);
  }

  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    await this.idle();
  }

  private enqueue(what: string, fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err) => this.log.error({ err, event: what }, 'announcement failed'));
  }

  private async started(build: Build): Promise<void> {
    const due = { kind: 'started', id: build.id } as const;
    if (!(await this.opts.store.announcements.take(due))) return;
    this.markWhenStored(due, await this.deliver(startedNews(build, this.opts.config.titleUrl), ['started'], [], `started:${build.id}`));
  }

  private async executor(due: ExecutorAnnouncement): Promise<void> {
    if (!(await this.opts.store.announcements.take(due))) return;
    this.markWhenStored(due, await this.deliver(executorNews(due), ['executor'], [], `executor:${due.id}`));
  }

  private async problem(p: Problem, event: ProblemNewsEvent): Promise<void> {
    const due = { kind: `problem.${event}`, id: p.id } as const;
    if (!(await this.opts.store.announcements.take(due))) return;
    const classes = classifyProblem(event, p);
    // A Problem's event happens once (its time tells a resolve after a reopening from the first).
    const at = { opened: p.openedAt, flaky: p.flakyAt, resolved: p.resolvedAt }[event] ?? 0;
    this.markWhenStored(due, await this.deliver(problemNews(p, event, { botName: this.opts.config.chat?.botName ?? 'bb', titleUrl: this.opts.config.titleUrl }), classes, [], `problem.${event}:${p.id}:${at}`));
  }

  private async finished(build: Build): Promise<void> {
    // Taken once across masters: the build's finish left it due, and one leader takes it.
    const due = { kind: 'finished', id: build.id } as const;
    if (!(await this.opts.store.announcements.take(due))) return;
    const { news, classes } = await announceFinished(this.opts.store, build, this.opts.config.titleUrl);
    const watchers = await this.claims.claim(build);
    this.markWhenStored(due, await this.deliver(news, classes, watchers.audiences, `finished:${build.id}`), watchers);
  }

  /**
   * Marks an announcement done once every line is in the outbox, removing the watches it told in
   * the same write; if a line is not stored (Redis refused, the master dies first), it stays taken
   * (and the watches stay) and the next leader's catch-up says it.
   */
  private markWhenStored(due: DueAnnouncement, sent: { stored: Promise<boolean> }, watchers?: Claimed): void {
    const marked = sent.stored
      .then(async (ok) => {
        if (!ok) return;
        const { store } = this.opts;
        const told = watchers?.fields ?? [];
        await store.announcements.announced(due, (m) => store.watches.removeIn(m, told));
      })
      .finally(() => watchers?.release());
    this.track(marked.catch((err) => this.log.warn({ err, id: due.id, kind: due.kind }, 'announcement not marked done')));
  }

  /**
   * Builds that started or finished and Problems that changed while no announcer ran (a leader died
   * between the write and its announcement; the new leader says it), if that was within
   * CATCH_UP_MS, a start only while the build still runs; and watched builds that ended meanwhile.
   */
  private async catchUp(): Promise<void> {
    const store = this.opts.store;
    const pending = await store.announcements.pending();
    const builds = new Map((await store.getBuilds([...new Set(pending.filter(isBuild).map((d) => d.id))])).map((b) => [b.id, b]));
    const recent = Date.now() - CATCH_UP_MS;
    for (const due of pending) {
      if (due.kind === 'executor') {
        if (due.at > recent) await this.executor(due);
        else await store.announcements.drop(due);
        continue;
      }
      if (isProblem(due)) {
        const p = await store.problems.get(due.id);
        const event = due.kind.slice('problem.'.length) as ProblemNewsEvent;
        if (p && ({ opened: p.openedAt, flaky: p.flakyAt, resolved: p.resolvedAt }[event] ?? 0) > recent) await this.problem(p, event);
        else await store.announcements.drop(due);
        continue;
      }
      const build = builds.get(due.id);
      if (due.kind === 'finished' && build?.state === 'finished' && (build.finishedAt ?? 0) > recent) await this.finished(build);
      else if (due.kind === 'started' && build?.state === 'running' && (build.startedAt ?? 0) > recent) await this.started(build);
      else if (!build || build.state === 'finished' || (due.kind === 'started' ? build.startedAt ?? 0 : Infinity) <= recent) await store.announcements.drop(due);
    }
    for (const { build, claimed } of await this.claims.overdue()) {
      const { news } = await announceFinished(this.opts.store, build, this.opts.config.titleUrl);
      // Told, then removed: a leader killed in between leaves the watches, and the next tells them.
      const sent = await this.deliver(news, [], claimed.audiences, `watch:${build.id}`);
      const removed = sent.stored
        .then(async (ok) => {
          if (ok) await store.watches.removeAll(claimed.fields);
        })
        .finally(() => claimed.release());
      this.track(removed.catch((err) => this.log.warn({ err, build: build.id }, 'told watches not removed')));
    }
  }

  /**
   * Sends `news` to every unmuted audience subscribed to one of `classes`, and to `extra`, in the
   * order of the calls per audience. `stored`: whether every line reached the outbox. `id`: the
   * announcement's own, the same when a new leader decides it again; each line's is `<id>|<audience>`
   * (OutboxOptions.id: one event on Matrix).
   */
  private async deliver(news: News, classes: readonly NotifyEvent[], extra: Audience[], id: string): Promise<{ stored: Promise<boolean> }> {
    const [subscribed, muted] = await Promise.all([this.subs.audiences(), this.subs.mutedKeys()]);
    const to = new Map<string, Audience>();
    for (const s of subscribed) if (s.events.some((e) => classes.includes(e))) to.set(audienceKey(s.audience), s.audience);
    for (const a of extra) to.set(audienceKey(a), a);
    const all: Array<Promise<boolean>> = [];
    for (const [key, audience] of to) {
      if (muted.has(key)) continue;
      const sent = this.order.run(key, () => this.send(audience, news, `${id}|${key}`)).then(
        () => true,
        (err) => (this.log.warn({ err, audience: key, news: news.kind }, 'announcement not delivered'), false),
      );
      this.track(sent);
      all.push(sent);
    }
    return { stored: Promise.all(all).then((oks) => oks.every(Boolean)) };
  }

  private track(p: Promise<unknown>): void {
    const done = p.then(() => undefined);
    this.sending.add(done);
    void done.finally(() => this.sending.delete(done));
  }

  private async send(a: Audience, news: News, id: string): Promise<void> {
    const { text, html } = renderFor(news, a.transport, { ircColours: this.opts.ircColours ?? false });
    const opts = { ...(html !== undefined ? { html } : {}), tally: tallyOf(news), id };
    if (a.kind === 'channel') await this.opts.outbox.send(`${a.transport}:${a.channel}`, text, opts);
    else await this.opts.outbox.sendDirect(a.transport, a.user, text, opts);
  }
}

/** What a summary of a backlog counts an announcement as: `FAILURE`, `problem opened`, `executor lost`. */
function tallyOf(news: News): string {
  switch (news.kind) {
    case 'finished':
      return news.result;
    case 'started':
      return 'started';
    case 'executor':
      return `executor ${news.state}`;
    case 'problem':
      return `problem ${news.event}`;
  }
}

function isProblem(d: DueAnnouncement): d is RecordAnnouncement & { kind: `problem.${ProblemNewsEvent}` } {
  return d.kind.startsWith('problem.');
}

function isBuild(d: DueAnnouncement): d is RecordAnnouncement & { kind: 'started' | 'finished' } {
  return d.kind === 'started' || d.kind === 'finished';
}

/** How old a build's end may be for a new leader to still announce it. */
const CATCH_UP_MS = 10 * 60_000;

/** Starts announcing; the chat service (or the master) calls this once its outbox is ready. */
export function startAnnouncer(opts: AnnouncerOptions): Announcer {
  return new Announcer(opts).start();
}
