import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import type { Logger } from '../log.js';
import { intakeKeys, parseEntry, type IntakeItem } from './intake.js';
import { STOPPED, Stopper } from '../util/stopper.js';

export type { IntakeItem };

/** Moves up to ARGV[1] more entries from the list to `taking` in one round trip. */
const TAKE_MORE = `local out = {}
for i = 1, tonumber(ARGV[1]) do
  local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not v then break end
  out[#out + 1] = v
end
return out`;

const BATCH = 256;
/** Seconds a master waits on an empty intake before it looks for entries another master left taken. */
const IDLE_LOOK_S = 5;

/**
 * The master's side: takes what waits in the intake, a batch at a time, hands the parsed changes
 * to `store` (which stores them in order, once per intake id) and only then lets go of them. One
 * master leads at a time; one that loses the lead mid-batch leaves its entries in `taking` for the
 * next, which stores them first (once each) and removes exactly what it took.
 */
export class IntakeReader {
  private readonly keys: ReturnType<typeof intakeKeys>;
  private readonly blocking: Redis;
  private readonly stopper = new Stopper();
  private loop?: Promise<void>;

  constructor(
    private readonly conn: Redis,
    url: string,
    prefix: string,
    private readonly store: (items: IntakeItem[]) => Promise<void>,
    private readonly log: Logger,
    /** Whether an error says this master no longer leads (then it stops, and the leader takes over). */
    private readonly fenced: (err: unknown) => boolean = () => false,
  ) {
    this.keys = intakeKeys(prefix);
    this.blocking = newRedis(url, { maxRetriesPerRequest: null });
  }

  /** Stores what a previous master took and left (it died mid-batch), then follows the list. */
  async start(): Promise<void> {
    await this.take(await this.conn.lrange(this.keys.taking, 0, -1));
    this.loop = this.follow();
  }

  private async follow(): Promise<void> {
    while (!this.stopper.stopped) {
      try {
        // A BLMOVE left unanswered by the stop may still have moved an entry: it waits in `taking`
        // for the next master (or this one, should it lead again), which stores it first.
        const first = await this.stopper.until(this.blocking.blmove(this.keys.list, this.keys.taking, 'LEFT', 'RIGHT', IDLE_LOOK_S));
        if (first === STOPPED || this.stopper.stopped) return;
        // Nothing came for a while: store anything left in `taking` by a master that led before
        // and took it after this one started (its own store is refused: it no longer leads).
        const batch = first === null ? await this.conn.lrange(this.keys.taking, 0, -1) : [first, ...((await this.conn.eval(TAKE_MORE, 2, this.keys.list, this.keys.taking, BATCH - 1)) as string[])];
        if (!(await this.take(batch))) return;
      } catch (err) {
        if (this.stopper.stopped) return;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change intake: taking changes failed; trying again');
        await this.stopper.sleep(1000);
      }
    }
  }

  /** Stores a batch held in `taking` (retrying until it is stored), then lets go of it; false when this master should stop taking. */
  private async take(raw: string[]): Promise<boolean> {
    if (!raw.length) return true;
    const items: IntakeItem[] = [];
    const bad: string[] = [];
    for (const r of raw) {
      const item = parseEntry(r);
      if (item) items.push(item);
      else bad.push(r);
    }
    if (bad.length) this.log.warn({ count: bad.length, example: bad[0]!.slice(0, 200) }, `change intake: ${bad.length} malformed entr${bad.length === 1 ? 'y' : 'ies'} kept in ${this.keys.failed}, not stored`);
    for (;;) {
      try {
        if (items.length) await this.store(items);
        break;
      } catch (err) {
        // Left in `taking`: the next leader stores them (once: the intake id is the change's key).
        if (this.stopper.stopped || this.fenced(err)) return false;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change intake: storing changes failed; trying again');
        await this.stopper.sleep(1000);
      }
    }
    // Exactly these entries go (each is unique: its id): a master that leads next may already have
    // moved newer ones to `taking`.
    const m = this.conn.multi();
    if (bad.length) m.lpush(this.keys.failed, ...bad).ltrim(this.keys.failed, 0, 999);
    for (const r of raw) m.lrem(this.keys.taking, 1, r);
    await m.exec();
    return true;
  }

  async stop(): Promise<void> {
    this.stopper.stop();
    // A blocked BLMOVE is dropped with the connection; nothing is moved then.
    this.blocking.disconnect();
    await this.loop;
  }
}

