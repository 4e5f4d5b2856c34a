import type { WatchesRepo } from '../data/watches.js';
import type { Build } from '../model/build.js';
import { audienceKey, parseAudienceKey, type Audience } from './audience.js';

/**
 * "Tell me how this build ends", said with `watch`: announced once to its audience, then gone.
 * With `number`, that build; otherwise the first build of the builder numbered above `after`
 * that ends (the next one, when none was running).
 */
export interface Watch {
  audience: Audience;
  builder: string;
  number?: number;
  after?: number;
  /** Who asked. */
  by: string;
  at: number;
}

/** Whether a finished build is the one a watch waits for. */
export function watchMatches(w: Watch, build: Pick<Build, 'builder' | 'number'>): boolean {
  if (w.builder !== build.builder) return false;
  return w.number !== undefined ? w.number === build.number : build.number > (w.after ?? 0);
}

/** Watches, stored by src/data/watches.ts; the field names the builder, audience and build. */
export class WatchStore {
  constructor(private readonly repo: WatchesRepo) {}

  async add(w: Watch): Promise<void> {
    await this.repo.put(watchField(w), JSON.stringify({ ...w, audience: audienceKey(w.audience) }));
  }

  /** Removes a watch; false when it is gone already. Whoever removes it announces it, once. */
  async remove(w: Watch): Promise<boolean> {
    return this.repo.remove(watchField(w));
  }

  /** Replaces `w` with `next` in one write (a watch on a retried build moves to the next build). */
  async move(w: Watch, next: Watch): Promise<void> {
    await this.repo.move(watchField(w), watchField(next), JSON.stringify({ ...next, audience: audienceKey(next.audience) }));
  }

  async all(): Promise<Watch[]> {
    const raw = await this.repo.all();
    return raw.flatMap((r) => {
      const stored = JSON.parse(r) as Omit<Watch, 'audience'> & { audience: string };
      const audience = parseAudienceKey(stored.audience);
      return audience ? [{ ...stored, audience }] : [];
    });
  }

  async forAudience(a: Audience): Promise<Watch[]> {
    const key = audienceKey(a);
    return (await this.all()).filter((w) => audienceKey(w.audience) === key);
  }

  async forBuilder(builder: string): Promise<Watch[]> {
    return (await this.all()).filter((w) => w.builder === builder);
  }
}

/** A watch's field in db:chat:watches: its builder, audience and build. */
export function watchField(w: Watch): string {
  return `${w.builder}|${audienceKey(w.audience)}|${w.number !== undefined ? `#${w.number}` : `>${w.after ?? 0}`}`;
}
