import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { Audience } from './audience.js';
import { watchMatches, type Watch, type WatchStore } from './watches.js';

/**
 * Turns watches into audiences for an ending build. Whoever removes a watch from Redis announces
 * it, so a watch is told once even when the `watch` command and the announcer race.
 */
export class WatchClaims {
  constructor(
    private readonly store: Store,
    private readonly watches: WatchStore,
  ) {}

  /** The audiences watching this build, their watches removed. A RETRY is no ending: a watch on it moves to the next build. */
  async claim(build: Build): Promise<Audience[]> {
    const matching = (await this.watches.forBuilder(build.builder)).filter((w) => watchMatches(w, build));
    const claimed: Audience[] = [];
    for (const w of matching) {
      if (build.result === 'RETRY') {
        if (w.number !== undefined && (await this.watches.remove(w))) {
          const { number: _retried, ...rest } = w;
          await this.watches.add({ ...rest, after: build.number });
        }
      } else if (await this.watches.remove(w)) claimed.push(w.audience);
    }
    return claimed;
  }

  /** Watched builds that ended while nobody announced (the master or its chat was down), claimed. */
  async overdue(): Promise<Array<{ build: Build; audiences: Audience[] }>> {
    const due = new Map<number, { build: Build; audiences: Audience[] }>();
    for (const w of await this.watches.all()) {
      const build = await this.endedFor(w);
      if (!build || !(await this.watches.remove(w))) continue;
      const entry = due.get(build.id) ?? { build, audiences: [] };
      entry.audiences.push(w.audience);
      due.set(build.id, entry);
    }
    return [...due.values()];
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
