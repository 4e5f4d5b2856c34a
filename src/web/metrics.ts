import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WebContext } from './context.js';
import type { ChatHealth } from './health.js';

/**
 * `/metrics` in Prometheus text format (prom-client, used only here). Counters count what this
 * master saw since it started (as Prometheus expects; rates survive restarts); gauges are read
 * from the store when scraped. One registry per master, so several masters in one process (tests)
 * do not collide.
 */
export class WebMetrics {
  readonly registry = new Registry();
  private readonly offs: Array<() => void> = [];

  constructor(ctx: WebContext, chat: () => ChatHealth[] = () => []) {
    const { store, config } = ctx;
    const r = [this.registry];
    // What each transport said is counted by the transport (since it was made: a reconfig remakes
    // it); the counter here adds what it said since the last scrape.
    const said = new Map<string, number>();
    new Counter({
      name: 'bb_chat_lines_sent_total',
      help: 'Chat lines said, by transport (IRC: PRIVMSG/NOTICE lines after splitting; Matrix: messages; shell: lines printed).',
      labelNames: ['transport'],
      registers: r,
      collect() {
        for (const t of chat()) {
          if (!t.lines) continue;
          const before = said.get(t.transport) ?? 0;
          const now = t.lines.sent;
          // A remade transport counts from 0 again: all it said is new.
          this.inc({ transport: t.transport }, now >= before ? now - before : now);
          said.set(t.transport, now);
        }
      },
    });
    new Gauge({
      name: 'bb_chat_lines_queued',
      help: "Chat lines waiting in a transport's own send queue now (IRC's throttle; Matrix: messages waiting their turn), by transport.",
      labelNames: ['transport'],
      registers: r,
      collect() {
        for (const t of chat()) if (t.lines) this.set({ transport: t.transport }, t.lines.queued);
      },
    });
    new Gauge({
      name: 'bb_chat_outbox_queued',
      help: "Messages (announcements, reminders) waiting in a transport's outbox in Redis, said once its network is there, by transport.",
      labelNames: ['transport'],
      registers: r,
      async collect() {
        for (const t of chat()) this.set({ transport: t.transport }, await store.outbox.length(t.transport));
      },
    });
    new Gauge({
      name: 'bb_chat_connected',
      help: 'Whether a chat transport is connected to its network now (1 or 0), by transport.',
      labelNames: ['transport'],
      registers: r,
      collect() {
        for (const t of chat()) if (t.connected !== null) this.set({ transport: t.transport }, t.connected ? 1 : 0);
      },
    });
    const started = new Counter({ name: 'bb_builds_started_total', help: 'Builds started, by builder.', labelNames: ['builder'], registers: r });
    const finished = new Counter({ name: 'bb_builds_finished_total', help: 'Builds finished, by builder and result.', labelNames: ['builder', 'result'], registers: r });
    const duration = new Histogram({
      name: 'bb_build_duration_seconds',
      help: 'Duration of finished builds (start to finish), by builder.',
      labelNames: ['builder'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200],
      registers: r,
    });
    const changes = new Counter({ name: 'bb_changes_received_total', help: 'Changes stored, by source (poller, webhook, sendchange).', labelNames: ['source'], registers: r });
    const reminders = new Counter({ name: 'bb_reminders_total', help: 'Hassle reminders by how they went (irc, matrix, shell, email, channel, none) and outcome (sent, held, failed, ...).', labelNames: ['via', 'outcome'], registers: r });
    const problems = new Counter({ name: 'bb_problems_total', help: 'Problems opened, turned flaky or resolved.', labelNames: ['event'], registers: r });
    new Gauge({
      name: 'bb_pending_requests',
      help: 'Build requests waiting for an executor, by builder.',
      labelNames: ['builder'],
      registers: r,
      async collect() {
        const m = await store.pendingByBuilder(config.builders.map((b) => b.name));
        for (const [builder, n] of m) this.set({ builder }, n);
      },
    });
    new Gauge({
      name: 'bb_executors_connected',
      help: 'Executors connected now (of those the config names).',
      registers: r,
      async collect() {
        const list = await store.getExecutors(config.executors.map((e) => e.name));
        this.set(list.filter((e) => e.state === 'connected').length);
      },
    });
    new Gauge({
      name: 'bb_running_builds',
      help: 'Builds dispatched or running now.',
      registers: r,
      async collect() {
        this.set((await store.activeBuilds()).length);
      },
    });
    new Gauge({
      name: 'bb_redis_roundtrip_seconds',
      help: 'One Redis PING round trip, measured at scrape time.',
      registers: r,
      async collect() {
        this.set((await store.roundTrip()) / 1000);
      },
    });
    this.offs.push(
      store.bus.on('build.started', (b) => started.inc({ builder: b.builder })),
      store.bus.on('build.finished', (b) => {
        finished.inc({ builder: b.builder, result: b.result ?? 'unknown' });
        if (b.startedAt !== undefined && b.finishedAt !== undefined) duration.observe({ builder: b.builder }, (b.finishedAt - b.startedAt) / 1000);
      }),
      store.bus.on('change.new', (c) => changes.inc({ source: c.source || 'unknown' })),
      store.bus.on('problem.opened', () => problems.inc({ event: 'opened' })),
      store.bus.on('hassle.recorded', (_id, e) => reminders.inc({ via: e.via, outcome: e.outcome })),
      store.bus.on('problem.flaky', () => problems.inc({ event: 'flaky' })),
      store.bus.on('problem.resolved', () => problems.inc({ event: 'resolved' })),
    );
  }

  async text(): Promise<{ type: string; body: string }> {
    return { type: this.registry.contentType, body: await this.registry.metrics() };
  }

  stop(): void {
    for (const o of this.offs) o();
  }
}
