import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import type { Logger } from '../log.js';
import { changeInputSchema, type ChangeFields, type ChangeInput } from '../model/change.js';
import { InputError } from './input-error.js';

/**
 * The change intake: a plain Redis list that `bb sendchange` (and every BbClient) appends a change
 * to, and the master drains. It needs no BullMQ on the sending side, so `bb sendchange` loads only
 * ioredis and the change schema. A change is acknowledged once Redis has it on the list; whether
 * a master runs or not, it stays there until a master has stored it:
 *
 *   <prefix>:intake:changes          waiting, oldest at the left (RPUSH by senders)
 *   <prefix>:intake:changes:taking   what the master has taken and not yet stored (BLMOVE); the
 *                                    master that starts next stores it first
 *   <prefix>:intake:changes:failed   the last 1,000 entries that did not parse (never stored)
 *
 * Each entry is `{"v":1,"id":"<uuid>","change":{…}}` (jobs.ts, with its many schemas, stays unloaded); the master stores the change under the key
 * `intake|<id>`, so an entry taken twice (a master that died after storing and before letting go)
 * is stored once.
 */
/** The entry format's version (the change itself is checked with the change schema). */
export const INTAKE_VERSION = 1 as const;

export function intakeKeys(prefix: string): { list: string; taking: string; failed: string } {
  const list = `${prefix}:intake:changes`;
  return { list, taking: `${list}:taking`, failed: `${list}:failed` };
}

/** Validates changes as the master will, so a sender hears of a bad one at once. */
export function checkChange(input: ChangeInput): ChangeFields {
  const parsed = changeInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'change'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Appends changes to the intake in one round trip, in order; returns their intake ids. */
export async function sendToIntake(conn: Redis, prefix: string, inputs: ChangeInput[]): Promise<string[]> {
  const entries = inputs.map((input) => ({ v: INTAKE_VERSION, id: randomUUID(), change: checkChange(input) }));
  if (entries.length) await conn.rpush(intakeKeys(prefix).list, ...entries.map((e) => JSON.stringify(e)));
  return entries.map((e) => e.id);
}

/**
 * `bb sendchange`: checks the change, opens a connection, appends it and closes. Resolves with the
 * intake id once Redis has the entry (the acknowledgement); a Redis that cannot be reached
 * rejects (ioredis gives up after a few retries), and then nothing was queued.
 */
export async function sendChangeOnce(url: string, prefix: string, input: ChangeInput, replicas = 0): Promise<string> {
  checkChange(input);
  const conn = newRedis(url, { maxRetriesPerRequest: 3 });
  try {
    const [id] = await sendToIntake(conn, prefix, [input]);
    if (replicas > 0) await confirmReplicated(conn, replicas, REPLICA_WAIT_MS, id!);
    return id!;
  } finally {
    conn.disconnect();
  }
}

/** How long `--wait-replicas` waits for the replicas' confirmation. */
export const REPLICA_WAIT_MS = 5000;

/**
 * Redis replicates asynchronously: a primary that fails over right after acknowledging a write
 * can lose it (README "Redis Sentinel"). WAIT returns once `replicas` replicas have everything this
 * connection wrote; fewer within `ms` is an error, so the sender knows the change is not safe yet.
 */
export async function confirmReplicated(conn: Redis, replicas: number, ms: number, id: string): Promise<void> {
  const got = await conn.wait(replicas, ms);
  if (got < replicas) {
    throw new InputError(`the change is queued (${id}) but ${got} of ${replicas} replicas confirmed it within ${ms / 1000} s: a failover now could lose it. Check for it (bb status) before sending it again`);
  }
}

/** One change taken from the intake, parsed. */
export interface IntakeItem {
  id: string;
  change: ChangeFields;
}

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
  private stopping = false;
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
    while (!this.stopping) {
      try {
        const first = await this.blocking.blmove(this.keys.list, this.keys.taking, 'LEFT', 'RIGHT', IDLE_LOOK_S);
        if (this.stopping) return;
        // Nothing came for a while: store anything left in `taking` by a master that led before
        // and took it after this one started (its own store is refused: it no longer leads).
        const batch = first === null ? await this.conn.lrange(this.keys.taking, 0, -1) : [first, ...((await this.conn.eval(TAKE_MORE, 2, this.keys.list, this.keys.taking, BATCH - 1)) as string[])];
        if (!(await this.take(batch))) return;
      } catch (err) {
        if (this.stopping) return;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change intake: taking changes failed; trying again');
        await new Promise((r) => setTimeout(r, 1000));
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
        if (this.stopping || this.fenced(err)) return false;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change intake: storing changes failed; trying again');
        await new Promise((r) => setTimeout(r, 1000));
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
    this.stopping = true;
    // A blocked BLMOVE is dropped with the connection; nothing is moved then.
    this.blocking.disconnect();
    await this.loop;
  }
}

/** An intake entry, or null when it is not one (never stored; kept in the failed list). */
export function parseEntry(raw: string): IntakeItem | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { v: version, id, change } = v as { v?: unknown; id?: unknown; change?: unknown };
  if (version !== INTAKE_VERSION || typeof id !== 'string' || !id || id.length > 100) return null;
  const parsed = changeInputSchema.safeParse(change);
  return parsed.success ? { id, change: parsed.data } : null;
}
