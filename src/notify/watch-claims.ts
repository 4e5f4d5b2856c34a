import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { Audience } from './audience.js';
import { watchField, watchMatches, type Watch, type WatchStore } from './watches.js';

/** Watches being told: their audiences, and the write that removes them once the lines are stored. */
export interface Claimed {
  audiences: Audience[];
  /** Their fields in db:chat:watches: removed with the write that marks the announcement done. */
  fields: string[];
  /** No longer held here (removed, or their lines were not stored: the next leader tells them). */
  release(): void;
}

/**
 * Turns watches into audiences for an ending build. A watch stays in Redis until its line is in
 * the outbox, and is removed in the same write that marks the announcement done: a leader killed
 * between the two leaves it there, and the next leader tells it (at least once, never lost).
 * Watches being told are held here meanwhile, so this announcer tells each once.
 */
export class WatchClaims {
  private readonly held = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly watches: WatchStore,
  ) {}

  /** The audiences watching this build. A RETRY is no ending: a watch on it moves to the next build. */
  async claim(build: Build): Promise<Claimed> {
    const matching = (await this.watches.forBuilder(build.builder)).filter((w) => watchMatches(w, build) && !this.held.has(watchField(w)));
    const told: Watch[] = [];
    for (const w of matching) {
      if (build.result === 'RETRY') {
        if (w.number !== undefined) {
          const { number: _retried, ...rest } = w;
          await this.watches.move(w, { ...rest, after: build.number });
        }
      } else told.push(w);
    }
    return this.hold(told);
  }

  /** Watched builds that ended while nobody announced (the master or its chat was down). */
  async overdue(): Promise<Array<{ build: Build; claimed: Claimed }>> {
    const due = new Map<number, { build: Build; watches: Watch[] }>();
    for (const w of await this.watches.all()) {
      if (this.held.has(watchField(w))) continue;
      const build = await this.endedFor(w);
      if (!build) continue;
      const entry = due.get(build.id) ?? { build, watches: [] };
      entry.watches.push(w);
      due.set(build.id, entry);
    }
    return [...due.values()].map(({ build, watches }) => ({ build, claimed: this.hold(watches) }));
  }

  private hold(watches: Watch[]): Claimed {
    const fields = watches.map(watchField);
    for (const f of fields) this.held.add(f);
    const release = () => {
      for (const f of fields) this.held.delete(f);
    };
    return {
      audiences: watches.map((w) => w.audience),
      fields,
      release,
    };
  }

  private async endedFor(w: Watch): Promise<Build | null> {
    if (w.number !== undefined) {
      const b = await this.store.buildByNumber(w.builder, w.number);
      return b && ended(b) ? b : null;
    }
    const later = (await this.store.lastBuilds(w.builder, 20)).filter((b) => b.number > (w.after ?? 0) && ended(b));
    return later.sort((a, b) => a.number - b.number)[0] ?? null;
  }
}

function ended(b: Build): boolean {
  return b.state === 'finished' && b.result !== 'RETRY';
}
