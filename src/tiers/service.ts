import type { ChatOutbox } from '../chat/outbox.js';
import { randomUUID } from 'node:crypto';
import { TierAnnouncer } from './announce.js';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';
import type { Reach } from '../notify/reach.js';
import type { Build } from '../model/build.js';
import { formatDuration, formatSpan, parseDuration } from '../model/duration.js';
import { health } from './health.js';
import { type BuilderHealth, type PackageRecord, type Tier, type TierLine, type TierOverride, type TreeState } from '../model/tier.js';
import { noProblems, TierError, type PackageWait, type ProblemsSource, type TiersApi } from './model.js';
import { packageWaits } from './waiting.js';
import { TierOverrides } from './overrides.js';
import { PackageGate, showRev, type GateOutcome, type Reds } from './packages.js';
import { Tree } from './tree.js';
import type { Timers } from '../model/timers.js';

/** How old a stored tiers line may be for a new leader to still say it. */
const LINES_KEPT_MS = 10 * 60_000;

export interface TierServiceOptions {
  store: Store;
  config: MasterConfig;
  log?: Logger;
  /** Where channel messages go: the master's chat (`master.chat`); none means they are only logged. */
  outbox?: () => ChatOutbox | undefined;
  /** Channels told; default the channels subscribed to the `tiers` announcement class. */
  channels?: string[];
  /** How owners are reached (DM where active, else email); without it, DMs by their nick or Matrix id. */
  reach?: () => Reach | undefined;
  problems?: ProblemsSource;
  /** The master's timers: a demotion given `for` a time ends by a `tier-expiry` timer, on their clock. Without them, expiry is seen on reads only. */
  timers?: Timers;
  now?: () => number;
}

/**
 * Tiers at run time, the package gate and the tree. Started by the master: it listens for
 * finished builds, makes packages, announces halts, resumes, demotions and promotions, ends
 * expired demotions (checked on every read and by a durable `tier-expiry` timer) and suggests
 * demoting a supported builder that stays red longer than `tiers.suggestDemotionAfter`.
 */
export class TierService implements TiersApi {
  readonly overrides: TierOverrides;
  readonly gate: PackageGate;
  private readonly tree_: Tree;
  private readonly now: () => number;
  private chain: Promise<void> = Promise.resolve();
  private offs: Array<() => void> = [];
  private suggestTimer?: NodeJS.Timeout;
  private readonly news: TierAnnouncer;

  /** The config read now: the one given at construction, or the last `reconfigure`'s. */
  private config: MasterConfig;

  constructor(private readonly opts: TierServiceOptions) {
    const clock = opts.timers?.clock;
    this.now = opts.now ?? (clock ? () => clock.now() : Date.now);
    this.config = opts.config;
    const config = () => this.config;
    this.overrides = new TierOverrides(opts.store, config, this.now);
    this.gate = new PackageGate(opts.store, config, this.now, (reds) => this.haltedText(reds));
    this.tree_ = new Tree(opts.store, opts.problems ?? noProblems);
    this.news = new TierAnnouncer(opts.store, config, opts.outbox, opts.channels, opts.log, opts.reach);
  }

  /** Sends channel messages through `outbox` to `channels` from now on (tests, the demo). */
  announceVia(outbox: ChatOutbox, channels: string[]): void {
    this.news.use(outbox, channels);
  }

  start(): this {
    const bus = this.opts.store.bus;
    this.offs.push(bus.on('build.finished', (b) => this.enqueue(() => this.finished(b))));
    // Makes the BuildSets of packages a dying leader claimed but did not start.
    this.enqueue(async () => {
      for (const r of await this.gate.startUnstarted()) this.opts.log?.warn({ revision: r.revision, buildsetId: r.buildsetId }, 'package claimed by a leader that died before starting it: started now');
    });
    // Ends demotions that expired while no master ran, re-arms the timer, and re-checks the gate.
    this.enqueue(() => this.onExpiry());
    this.armSuggestions();
    return this;
  }

  /**
   * A reload (`bb reconfig`, SIGHUP) gave the master a new config: builder tiers, `tiers.owners`,
   * `tiers.suggestDemotionAfter` and the packages builder are read from it from now on, and, as at
   * master start, expired demotions end and the gate is checked again, so the newest revision that
   * now qualifies is packaged. Resolves once that check is done.
   */
  reconfigure(config: MasterConfig): Promise<void> {
    this.config = config;
    if (this.offs.length) this.armSuggestions();
    return this.enqueue(() => this.onExpiry());
  }

  /** The timer that suggests demotions, from `tiers.suggestDemotionAfter` as it is now. */
  private armSuggestions(): void {
    clearInterval(this.suggestTimer);
    this.suggestTimer = undefined;
    const after = this.suggestAfter();
    if (after !== undefined) this.suggestTimer = setInterval(() => this.enqueue(() => this.check()), Math.min(60_000, Math.max(200, after / 2)));
  }

  /** Resolves when every event so far has been handled. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    clearInterval(this.suggestTimer);
    await this.idle();
  }

  // ---- TiersApi (chat) ----

  async list(): Promise<BuilderHealth[]> {
    const { tiers, live } = await this.currentTiers();
    return Promise.all(
      [...tiers].map(async ([name, tier]) => {
        const h = await health(this.opts.store, name, tier);
        const o = live.get(name);
        return { ...h, ...(o ? { override: o } : {}), ...(name === this.gate.builder ? { packages: true as const } : {}) };
      }),
    );
  }

  async demote(req: { builder: string; by: string; reason: string; forMs?: number; heardIn?: string }): Promise<TierOverride> {
    const { tiers } = await this.currentTiers();
    const tier = tiers.get(req.builder);
    if (!tier) throw new TierError(`no builder "${req.builder}" (known: ${[...tiers.keys()].join(', ')})`);
    this.refusePackagesBuilder(req.builder);
    if (tier === 'unsupported') throw new TierError(`${req.builder} is unsupported already`);
    const o: TierOverride = { builder: req.builder, tier: 'unsupported', by: req.by, reason: req.reason, at: this.now(), ...(req.forMs ? { until: this.now() + req.forMs } : {}) };
    const span = req.forMs ? ` for ${formatDuration(req.forMs)}` : '';
    const line = this.commandLine(`demoted:${req.builder}:${o.at}`, `${req.builder} demoted to unsupported by ${req.by}${span}: ${req.reason}. It no longer holds packages back.`, req.heardIn, req.builder);
    await this.overrides.set(o, line);
    this.enqueue(async () => {
      await this.sayLine(line);
      await this.armExpiry();
      await this.check();
    });
    return o;
  }

  async promote(req: { builder: string; by: string; heardIn?: string }): Promise<Tier> {
    const { tiers, live } = await this.currentTiers();
    const tier = tiers.get(req.builder);
    if (!tier) throw new TierError(`no builder "${req.builder}" (known: ${[...tiers.keys()].join(', ')})`);
    this.refusePackagesBuilder(req.builder);
    if (tier === 'supported') throw new TierError(`${req.builder} is supported already`);
    const at = this.now();
    const line = this.commandLine(`promoted:${req.builder}:${at}`, `${req.builder} promoted to supported by ${req.by}. It gates packages again.`, req.heardIn, req.builder);
    if (this.overrides.configTier(req.builder) === 'supported' && live.has(req.builder)) await this.overrides.clear(req.builder, line);
    else await this.overrides.set({ builder: req.builder, tier: 'supported', by: req.by, at }, line);
    this.enqueue(async () => {
      await this.sayLine(line);
      await this.armExpiry();
      await this.check();
    });
    return 'supported';
  }

  /** The packages builder makes the packages; it never gates them, so its tier means nothing. */
  private refusePackagesBuilder(builder: string): void {
    if (builder === this.gate.builder) throw new TierError(`${builder} is the packages builder: it makes the packages and never gates them, so it has no tier to change`);
  }

  async waiting(): Promise<PackageWait[]> {
    return packageWaits(this.opts.store, { builders: this.config.builders, packagesBuilder: this.config.packages?.builder }, (await this.currentTiers()).tiers, this.now());
  }

  packages(n: number): Promise<PackageRecord[]> {
    return this.gate.list(n);
  }

  async tree(): Promise<TreeState> {
    return this.tree_.state((await this.currentTiers()).tiers);
  }

  async closeTree(by: string, reason: string, heardIn?: string): Promise<void> {
    const at = this.now();
    const line = this.commandLine(`tree-closed:${at}`, `The tree is closed by ${by}: ${reason}`, heardIn);
    await this.tree_.close(by, reason, at, line);
    this.enqueue(() => this.sayLine(line));
  }

  /**
   * Lifts the hand closure. What it says depends on the tree without that closure (open, or still
   * closed by Problems), read just before the write; the line goes with the write, and only when
   * there was a closure to lift.
   */
  async openTree(by: string, heardIn?: string): Promise<boolean> {
    const rest = await this.tree_.withoutHand((await this.currentTiers()).tiers);
    const text = rest.open ? `The tree is opened by ${by}.` : `${by} lifted the hand closure, but the tree stays closed: ${rest.reasons.join('; ')}.`;
    const line = this.commandLine(`tree-opened:${this.now()}`, text, heardIn);
    const was = await this.tree_.open(line);
    if (was) this.enqueue(() => this.sayLine(line));
    return was;
  }

  /**
   * The channel line of a command (`demote`, `promote`, `tree close|open`): stored in the command's
   * own write and said from there, so a leader that dies right after the write leaves it to the next
   * leader. `heardIn`: the command's channel, which has the reply and is skipped.
   */
  private commandLine(id: string, text: string, heardIn?: string, builder?: string): TierLine {
    return { id: `${id}:${randomUUID().slice(0, 8)}`, text, at: this.now(), ...(builder ? { builder } : {}), ...(heardIn ? { skip: heardIn } : {}) };
  }

  // ---- reactions ----

  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn).catch((err) => this.opts.log?.error({ err }, 'tiers: handling failed'));
    return this.chain;
  }

  /** Tiers now; expired demotions end here (and are announced once). */
  private async currentTiers() {
    const r = await this.overrides.tiers();
    for (const o of r.expired) {
      const line = this.overrides.expiryLine(o);
      this.enqueue(() => this.sayLine(line));
    }
    return r;
  }

  private async finished(build: Build): Promise<void> {
    if (build.builder === this.gate.builder) {
      const rec = await this.gate.packageFinished(build);
      if (rec) this.opts.log?.info({ revision: rec.revision, result: build.result }, 'package build ended');
      return;
    }
    await this.check(build);
  }

  /** Runs the gate and the demotion suggestion; `trigger`: the build that just ended. */
  private async check(trigger?: Build): Promise<void> {
    // No package gate and no demotion suggestions: nothing here reads the tiers (expired demotions have their own timer).
    if (!this.gate.builder && this.suggestAfter() === undefined) return;
    const { tiers } = await this.currentTiers();
    await this.report(await this.gate.evaluate(tiers, trigger));
    await this.suggest(tiers);
  }

  private async report(o: GateOutcome): Promise<void> {
    if (o.kind === 'halted' && o.announce && o.line) await this.sayLine(o.line);
    else if (o.kind === 'packaged' && o.resumed && o.line) await this.sayLine(o.line);
  }

  /** `packages halted: …`, naming the open Problems on each red builder. */
  private async haltedText(reds: Reds): Promise<string> {
    const parts: string[] = [];
    for (const r of reds) {
      const problems = await (this.opts.problems ?? noProblems).openOn(r.builder).catch(() => []);
      const which = problems.length ? ` (${problems.map((p) => `Problem ${p.id}`).join(', ')})` : '';
      parts.push(`${r.builder} red since ${r.revision ? showRev(r.revision) : 'its last build'}${which}`);
    }
    return `packages halted: supported builder${reds.length > 1 ? 's' : ''} ${parts.join(', ')}`;
  }

  /**
   * Says a stored line (src/data/tiers.ts) unless it was said already, then forgets it. Lines are
   * said one at a time on the service's chain.
   */
  private async sayLine(line: TierLine): Promise<void> {
    if (!(await this.opts.store.tiers.hasLine(line.id))) return;
    await this.say(line.text, line.builder, line.skip, `tiers:${line.id}`);
    await this.opts.store.tiers.lineSaid(line.id);
  }

  /** Lines stored and not said (a leader died first, or a reader ended a demotion): said now, if recent. */
  private async sayPending(): Promise<void> {
    for (const line of await this.opts.store.tiers.lines()) {
      if (line.at > this.now() - LINES_KEPT_MS) await this.sayLine(line);
      else await this.opts.store.tiers.lineSaid(line.id);
    }
  }

  private suggestAfter(): number | undefined {
    const s = this.config.tiers?.suggestDemotionAfter;
    return s ? (parseDuration(s) ?? undefined) : undefined;
  }

  private async suggest(tiers: Map<string, Tier>): Promise<void> {
    const after = this.suggestAfter();
    if (after === undefined) return;
    for (const [name, tier] of tiers) {
      if (tier !== 'supported' || name === this.gate.builder) continue;
      const h = await health(this.opts.store, name, tier);
      if (h.state !== 'red' || h.since === undefined || this.now() - h.since < after) continue;
      const line: TierLine = {
        id: `suggest:${name}:${h.since}`,
        text: `${name} has been red for ${formatSpan(this.now() - h.since)}${h.sinceRevision ? ` (since ${showRev(h.sinceRevision)})` : ''}; if it cannot be fixed soon: demote ${name} because <reason>`,
        builder: name,
        at: this.now(),
      };
      if (!(await this.opts.store.tiers.noteSuggested(name, h.since, line))) continue;
      await this.sayLine(line);
    }
  }

  /** The `tier-expiry` timer fired (job `jobId`): end what expired and arm the next. */
  expired(jobId: string): Promise<void> {
    return this.enqueue(async () => {
      await this.opts.timers?.release('tier-expiry', 'tiers', jobId);
      await this.onExpiry();
    });
  }

  /** Ends expired demotions and re-checks the gate now (start, and a test that moved the clock). */
  recheck(): Promise<void> {
    return this.enqueue(() => this.onExpiry());
  }

  /** Ends expired demotions now and arms the timer for the next one. */
  private async armExpiry(): Promise<void> {
    // Reading ends (and announces) demotions that expired while no master ran.
    const { live } = await this.currentTiers();
    const ends = [...live.values()].map((o) => o.until).filter((u): u is number => u !== undefined);
    const timers = this.opts.timers;
    if (!timers) return;
    if (!ends.length) return timers.cancel('tier-expiry', 'tiers');
    const at = Math.min(...ends) + 20;
    await timers.arm('tier-expiry', 'tiers', { at }, at);
  }

  private async onExpiry(): Promise<void> {
    await this.check();
    await this.armExpiry();
    await this.sayPending();
  }

  private say(text: string, builder?: string, skip?: string, id?: string): Promise<void> {
    return this.news.say(text, builder, skip, id);
  }
}
