/**
 * Every Redis key bb writes, in one place. `prefix` is the configured key prefix (default `bb`).
 *
 * BullMQ's queues live beside these under `<prefix>:<queue>:…` (queues: changes, timers, control,
 * executor-events (older executors), and per executor exec.<executor>, ctl.<executor>,
 * events.<executor>; older executors). `<prefix>:events.<executor>:stream` is each executor's event
 * stream (src/queue/event-stream.ts); `<prefix>:exec.<executor>:list-wait` and `:list-taken` are its
 * build job lists (src/queue/job-list.ts). `<prefix>:exec-session:<executor>` holds the master's signed record of the
 * executor process it accepted (src/queue/session.ts). bb's own state lives under `<prefix>:db:`:
 *
 * | key | type | holds |
 * |---|---|---|
 * | db:seq:{change,buildset,request,build} | string | id counters (INCR) |
 * | db:change:<id> | string | Change JSON |
 * | db:changes | zset | change ids, score = id |
 * | db:change-key:<key> | string | change id for an idempotency key (queue job id, poller commit) |
 * | db:sched:cursor | string | highest change id the schedulers have classified |
 * | db:sched:<scheduler>:pending:<branch> | list | `<changeId>:i` or `<changeId>:u` (important or not) waiting for the tree-stable timer |
 * | db:sched:<scheduler>:taking:<jobId> | list | the pending list while its timer fires (crash-safe hand-over) |
 * | db:sched:disabled | hash | scheduler name → `{by, at, reason}` JSON for each scheduler switched off (`bb scheduler disable`); absent means enabled |
 * | db:sched:<nightly>:pending:<branch> | list | as above, for a nightly scheduler: the changes on its branch since its last build (classified in the same pass and transaction as the cursor) |
 * | db:sched:<nightly>:taking:at<ms> | list | a nightly's pending list while its fire at `<ms>` turns it into a BuildSet |
 * | db:timed:<scheduler> | hash | a periodic or nightly scheduler's clock: `spec` (period or cron+zone it was computed for), `next` (ms of the next fire), `lastFire`, `lastBuild`, `lastBuildset` |
 * | db:timed:<scheduler>:firing | string | `{at, taking?}` JSON while a fire is being turned into a BuildSet; deleted in the BuildSet's transaction (a restart finishes what it finds) |
 * | db:buildset:<id> | string | BuildSet JSON |
 * | db:buildsets | zset | buildset ids, score = id |
 * | db:request:<id> | string | BuildRequest JSON |
 * | db:builder:<name>:pending | zset | that builder's pending request ids, score = (1000 - priority) * 1e10 + id: lowest first = highest priority, then oldest (the distributor reads the heads) |
 * | db:builder:<name>:collapsed | zset | ids of that builder's requests that collapsed into a newer one (ended SKIPPED, `supersededBy` set), score = id |
 * | db:builder:<name>:superseded | zset | ids of that builder's requests cancelled or stopped because a newer BuildSet on the same branch arrived (`cancelSuperseded`), score = id |
 * | db:sched:<scheduler>:upstream-cursor | string | dependent scheduler: every BuildSet id up to this one is handled (not its upstream's, or complete and acted on) |
 * | db:sched:<scheduler>:upstream-done | zset | dependent scheduler: upstream BuildSet ids above the cursor already acted on (written with the downstream BuildSet), score = id |
 * | db:build:<id> | string | Build JSON |
 * | db:builder:<name>:builds | zset | build ids of that builder, score = build number |
 * | db:builder:<name>:number | string | last build number (INCR) |
 * | db:builds:active | zset | ids of dispatched or running builds, score = id |
 * | db:executor:<name> | string | executor record JSON (session, state, slots, last seen) |
 * | db:executor:<name>:builds | set | ids of builds the executor holds |
 * | db:executor:<name>:busy | set | builders with a build on the executor (one at a time: they share a work tree) |
 * | db:executor:<name>:refused | string | the last process refused under that name (wrong secret, or replaced by a newer one) JSON |
 * | db:executors:watchdog | string | when the master's executor watchdog last wrote (ms): the write proves the master could write before it judges executors silent |
 * | db:log:<buildId>:<step> | list | log chunks `<stream>\t<text>` in order |
 * | db:tests:<buildId> | list | TestCaseResult JSON, one per test case |
 * | db:poller:<name> | hash | branch → last emitted tip |
 * | db:config | string | summary of the running master's config (builders, executors, schedulers) for the CLI |
 * | db:master | string | the leading master (src/data/lease.ts): `{token, pid, host, started, since, seen, prefix, warnings}` JSON, written with db:leader and expiring with it |
 * | db:leader | string | the leader lease: the fencing token of the master that leads, with a 6 s expiry renewed every 2 s (config `leader`) |
 * | db:leader:seq | string | fencing token counter (INCR on every acquisition): the newest token granted; every leader-only write checks that it is still its own (src/data/fence.ts) |
 * | db:masters | hash | `<host>:<pid>` → `{host, pid, started, seen, role, everyMs, ttlMs}` JSON: every master's heartbeat (each try or renewal of the lease); `bb status` lists the standbys seen within 3 of their TTLs, and a master removes its own field when it stops |
 * | db:reconfig | stream | `bb reconfig` requests (src/data/reconfig.ts): entries `{at, by}`, the newest 100 kept; every master, leader or standby, reads it and reloads its own config file |
 * | db:reconfig:<entry id> | hash | `<host>:<pid>` → `{host, pid, role, outcome, at}` JSON: each master's answer to that request (applied with its changes, or refused with the reasons); expires after an hour |
 * | db:announce:due | zset | announcements not yet in a chat outbox (src/data/announcements.ts): `<id>` for a finished build, `started:<id>` for a start, `problem.opened:<id>` (`.flaky`, `.resolved`) for a Problem's, score = that id; `executor:<JSON {id, name, event, at, …}>` for an executor connected, lost or refused, score 0 (added with the build's, Problem's or executor record's write, taken by the announcer; the newest 1000 kept): a new leader announces what the old one did not |
 * | db:announce:taking | zset | members taken from db:announce:due whose chat lines are not all stored in the outbox yet, score as in due (removed once they are, with the watches they told from db:chat:watches): a new leader puts them back in db:announce:due, so a leader killed between the take and the outbox loses nothing |
 * | db:builder:<name>:pruned | string | highest build number of that builder pruned by retention (a missing build at or below it was pruned) |
 * | db:builder:<name>:logs-pruned | string | retention's logs cursor: every build of that builder up to this number had its logs pruned or is in db:retention:logs-deferred |
 * | db:retention:logs-deferred | zset | ids of builds whose logs were due but kept (an open Problem, not finished), looked at again each pass, score = id |
 * | db:retention:pruned | hash | `changes`, `buildsets`: highest id pruned (a missing one at or below it was pruned) |
 * | db:retention:last | string | the last retention pass: `{at, dryRun, counts}` JSON (`bb status`) |
 * | db:chat:claim:<transport>:<account\|nick>:<id> | string | ClaimRecord JSON: who a chat identity says it is (`i am user warner`); keyed by the verified account when there is one, else by nick; unverified until the verification flow confirms it |
 * | db:user:<name> | string | User JSON (src/users/user.ts): full name, emails, VCS author strings, IRC nick and services account, Matrix id, time zone, quiet hours |
 * | db:users | zset | bb user names, score 0 (listed by name) |
 * | db:users:index | hash | `<kind>:<value>` → user name, one per identity: `email:<lower-cased address>`, `author:<VCS author string>`, `irc:<lower-cased services account>`, `matrix:<user id>` |
 * | db:users:cursor | string | highest change id whose author has been resolved to a user |
 * | db:chat:verify:<transport>:<account\|nick>:<id> | hash | a claim waiting for its mailed code: `user`, `email`, `salt`, `hash` (HMAC-SHA256 of the code), `expiresAt`, `attempts`; the key outlives `expiresAt` by a day so an expired code gets a clear answer |
 * | db:chat:claims-hour:<transport>:<account\|nick>:<id> | string | claims (codes mailed) by that identity in the current hour (INCR, expires after an hour) |
 * | db:chat:subs | set | audience keys with a stored announcement subscription (even an empty one: `notify off` is remembered): `irc:#dev`, `matrix:!room:server`, `shell:#bb`, or `dm:<transport>:<account\|nick>` for a person's DMs |
 * | db:chat:sub:<audience> | set | the event classes that audience gets (started, finished, success, failure, …); absent from db:chat:subs means the config's `chat.announce` applies |
 * | db:chat:muted | hash | audience key → `{by, at}` JSON: muted audiences get no announcements |
 * | db:seq:problem | string | Problem id counter (INCR) |
 * | db:problem:<id> | string | Problem JSON (src/problems/model.ts): state, subjects, builders, revisions, guilty/responsible/interested, acks, not-me, snooze, watchers |
 * | db:problems | zset | every Problem id, score = id |
 * | db:problems:open | zset | ids of suspected or confirmed Problems, score = id |
 * | db:problem-key:<key> | string | Problem id for `<repository>|<project>|<subject>@<first bad revision>` (one Problem across builders) |
 * | db:problems:flaky:<builder> | hash | flaky memory: `<repository>|<project>|<subject>` → `{runs, flakySince, episodes, passStreak, …}` JSON, for subjects that ever failed there |
 * | db:problems:flaky-builders | set | builders that have a flaky memory hash |
 * | db:problems:cursor | string | highest build id whose finish the Problem detector has handled |
 * | db:problems:done | zset | build ids above the cursor already handled (they finished before an older build did), score = id |
 * | db:problems:sheriff | string | `{user, by, at, week}` JSON: the sheriff set from chat for that ISO week |
 * | db:hassle:<id> | string | the hassle ladder of Problem <id> (src/data/hassle.ts): next step, last run, reminders held for quiet hours, start/end told |
 * | db:hassle:active | set | Problem ids whose ladder runs or whose ending is still to be told |
 * | db:hassle:<id>:sent | set | `<step>|<user>` (or `<step>|#|<target>`) markers of deliveries made: never sent twice |
 * | db:hassle:<id>:log | list | the audit, oldest first: `{at, step, to, via, outcome, note}` JSON (`problem N` shows it) |
 * | db:hassle:person:<user> | zset | reminders that reached the user, score = time (the daily cap; trimmed to 24 h) |
 * | db:chat:watches | hash | `<builder>\|<audience>\|#<number>` or `…\|><after>` → Watch JSON: announce once how that build (or the first one numbered above `after`) ends; removed only once its line is in the outbox |
 * | db:tiers:override | hash | builder → TierOverride JSON (`demote`/`promote` in chat: tier, by, reason, at, until); absent means the config's tier; an expired `until` is deleted on use or by the tiers timer |
 * | db:tiers:suggested | hash | builder → start (ms) of the red streak a demotion was suggested for (suggested once per streak) |
 * | db:tiers:lines | hash | id → TierLine JSON (src/data/tiers.ts): a tiers line to say (packages halted or resumed, a suggestion, an expiry, the channel line of `demote`/`promote`/`tree close|open`), written with the state that calls for it and removed once said: a new leader says what the old one did not |
 * | db:packages | list | revisions packages were started for, newest first |
 * | db:packages:made | hash | revision → PackageRecord JSON (vouching builds, time, BuildSet, package build); HSETNX makes one per revision |
 * | db:packages:halted | string | `{builder, since, revision}` JSON while packages are halted by a red supported builder (announced once; deleted when they resume) |
 * | db:tree | string | `{by, reason, at}` JSON while an admin has closed the tree (`tree close`) |
 * | db:chat:outbox:<transport> | list | OutboxEntry JSON (src/data/outbox.ts): announcements, reminders and DMs said on that transport, oldest first; the head is removed once delivered (or summarised) |
 * | db:chat:dm-room:<transport> | hash | user → the DM room (Matrix room id) bb talks to them in: reused across restarts and outages |
 */
export class Keys {
  readonly db: string;
  constructor(readonly prefix: string) {
    this.db = `${prefix}:db`;
  }
  get tierOverrides(): string {
    return `${this.db}:tiers:override`;
  }
  get tierSuggested(): string {
    return `${this.db}:tiers:suggested`;
  }
  get tierLines(): string {
    return `${this.db}:tiers:lines`;
  }
  get packages(): string {
    return `${this.db}:packages`;
  }
  get packagesMade(): string {
    return `${this.db}:packages:made`;
  }
  get packagesHalted(): string {
    return `${this.db}:packages:halted`;
  }
  get tree(): string {
    return `${this.db}:tree`;
  }
  seq(kind: 'change' | 'buildset' | 'request' | 'build'): string {
    return `${this.db}:seq:${kind}`;
  }
  change(id: number): string {
    return `${this.db}:change:${id}`;
  }
  get changes(): string {
    return `${this.db}:changes`;
  }
  changeKey(key: string): string {
    return `${this.db}:change-key:${key}`;
  }
  get schedCursor(): string {
    return `${this.db}:sched:cursor`;
  }
  schedPending(scheduler: string, branch: string): string {
    return `${this.db}:sched:${scheduler}:pending:${branch}`;
  }
  schedTaking(scheduler: string, jobId: string): string {
    return `${this.db}:sched:${scheduler}:taking:${jobId}`;
  }
  /** Hash of switched-off schedulers. */
  get schedDisabled(): string {
    return `${this.db}:sched:disabled`;
  }
  /** A periodic or nightly scheduler's clock. */
  timed(scheduler: string): string {
    return `${this.db}:timed:${scheduler}`;
  }
  /** A periodic or nightly fire in progress. */
  timedFiring(scheduler: string): string {
    return `${this.db}:timed:${scheduler}:firing`;
  }
  buildset(id: number): string {
    return `${this.db}:buildset:${id}`;
  }
  get buildsets(): string {
    return `${this.db}:buildsets`;
  }
  request(id: number): string {
    return `${this.db}:request:${id}`;
  }
  build(id: number): string {
    return `${this.db}:build:${id}`;
  }
  builderBuilds(builder: string): string {
    return `${this.db}:builder:${builder}:builds`;
  }
  builderPending(builder: string): string {
    return `${this.db}:builder:${builder}:pending`;
  }
  builderCollapsed(builder: string): string {
    return `${this.db}:builder:${builder}:collapsed`;
  }
  builderSuperseded(builder: string): string {
    return `${this.db}:builder:${builder}:superseded`;
  }
  upstreamCursor(scheduler: string): string {
    return `${this.db}:sched:${scheduler}:upstream-cursor`;
  }
  upstreamDone(scheduler: string): string {
    return `${this.db}:sched:${scheduler}:upstream-done`;
  }
  executorBusy(name: string): string {
    return `${this.db}:executor:${name}:busy`;
  }
  builderNumber(builder: string): string {
    return `${this.db}:builder:${builder}:number`;
  }
  get activeBuilds(): string {
    return `${this.db}:builds:active`;
  }
  executor(name: string): string {
    return `${this.db}:executor:${name}`;
  }
  executorWatchdog(): string {
    return `${this.db}:executors:watchdog`;
  }
  executorRefused(name: string): string {
    return `${this.db}:executor:${name}:refused`;
  }
  executorBuilds(name: string): string {
    return `${this.db}:executor:${name}:builds`;
  }
  log(buildId: number, step: number): string {
    return `${this.db}:log:${buildId}:${step}`;
  }
  tests(buildId: number): string {
    return `${this.db}:tests:${buildId}`;
  }
  poller(name: string): string {
    return `${this.db}:poller:${name}`;
  }
  get config(): string {
    return `${this.db}:config`;
  }
  /** Highest build number of a builder pruned by retention. */
  builderPruned(builder: string): string {
    return `${this.db}:builder:${builder}:pruned`;
  }
  /** Retention's logs cursor for a builder. */
  builderLogsPruned(builder: string): string {
    return `${this.db}:builder:${builder}:logs-pruned`;
  }
  /** SCAN pattern of every builder's pending zset. */
  get builderPendingPattern(): string {
    return `${this.db}:builder:*:pending`;
  }
  /** SCAN pattern of every builder's builds zset. */
  get builderBuildsPattern(): string {
    return `${this.db}:builder:*:builds`;
  }
  /** The builder named in a key matched by `builderBuildsPattern`. */
  builderOfBuildsKey(key: string): string {
    return key.slice(`${this.db}:builder:`.length, -':builds'.length);
  }
  /** SCAN pattern of scheduler state (pending and taking lists, upstream cursors). */
  get schedPattern(): string {
    return `${this.db}:sched:*`;
  }
  get retentionDeferredLogs(): string {
    return `${this.db}:retention:logs-deferred`;
  }
  get retentionPruned(): string {
    return `${this.db}:retention:pruned`;
  }
  get retentionLast(): string {
    return `${this.db}:retention:last`;
  }
  get master(): string {
    return `${this.db}:master`;
  }
  get leader(): string {
    return `${this.db}:leader`;
  }
  get announceDue(): string {
    return `${this.db}:announce:due`;
  }
  get announceTaking(): string {
    return `${this.db}:announce:taking`;
  }
  get masters(): string {
    return `${this.db}:masters`;
  }
  get leaderSeq(): string {
    return `${this.db}:leader:seq`;
  }
  get reconfigRequests(): string {
    return `${this.db}:reconfig`;
  }
  reconfigReports(requestId: string): string {
    return `${this.db}:reconfig:${requestId}`;
  }
  /** `kind` says whether `id` is a verified account (IRC services account, Matrix id) or a bare nick. */
  chatClaim(transport: string, kind: 'account' | 'nick', id: string): string {
    return `${this.db}:chat:claim:${transport}:${kind}:${id}`;
  }
  /** Every identity's claim (SCAN pattern). */
  get chatClaimPattern(): string {
    return `${this.db}:chat:claim:*`;
  }
  /** What is still to be said on one chat transport, oldest first. */
  chatOutbox(transport: string): string {
    return `${this.db}:chat:outbox:${transport}`;
  }
  /** user → DM room on one chat transport. */
  chatDmRoom(transport: string): string {
    return `${this.db}:chat:dm-room:${transport}`;
  }
  /** A claim waiting for its mailed code. */
  chatVerify(transport: string, kind: 'account' | 'nick', id: string): string {
    return `${this.db}:chat:verify:${transport}:${kind}:${id}`;
  }
  /** Claims made by one identity this hour. */
  chatClaimsHour(transport: string, kind: 'account' | 'nick', id: string): string {
    return `${this.db}:chat:claims-hour:${transport}:${kind}:${id}`;
  }
  /** Audiences with a stored subscription. */
  get chatSubs(): string {
    return `${this.db}:chat:subs`;
  }
  /** The event classes one audience gets. */
  chatSub(audience: string): string {
    return `${this.db}:chat:sub:${audience}`;
  }
  get chatMuted(): string {
    return `${this.db}:chat:muted`;
  }
  get chatWatches(): string {
    return `${this.db}:chat:watches`;
  }
  /** Problems' keys (src/data/problems.ts). */
  get problem() {
    const db = this.db;
    return {
      seq: `${db}:seq:problem`,
      one: (id: number) => `${db}:problem:${id}`,
      all: `${db}:problems`,
      open: `${db}:problems:open`,
      key: (key: string) => `${db}:problem-key:${key}`,
      cursor: `${db}:problems:cursor`,
      done: `${db}:problems:done`,
      sheriff: `${db}:problems:sheriff`,
    };
  }
  /** The flaky memory's keys (src/data/flaky.ts). */
  get flaky() {
    const db = this.db;
    return { builder: (builder: string) => `${db}:problems:flaky:${builder}`, builders: `${db}:problems:flaky-builders` };
  }
  /** The hassler's keys (src/data/hassle.ts). */
  get hassle() {
    const db = this.db;
    return {
      one: (id: number) => `${db}:hassle:${id}`,
      active: `${db}:hassle:active`,
      sent: (id: number) => `${db}:hassle:${id}:sent`,
      log: (id: number) => `${db}:hassle:${id}:log`,
      person: (user: string) => `${db}:hassle:person:${user}`,
    };
  }
  user(name: string): string {
    return `${this.db}:user:${name}`;
  }
  get users(): string {
    return `${this.db}:users`;
  }
  get usersIndex(): string {
    return `${this.db}:users:index`;
  }
  get usersCursor(): string {
    return `${this.db}:users:cursor`;
  }
}

/** Score of a pending request: lower runs first (higher priority, then older). */
export function pendingScore(priority: number, requestId: number): number {
  return (1000 - priority) * 1e10 + requestId;
}
