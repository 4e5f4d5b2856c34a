import type { Db } from './db.js';

/** How many `bb reconfig` requests the stream keeps (masters read them within a second). */
const KEEP_REQUESTS = 100;
/** How long the masters' answers to one request are kept. */
const REPORTS_TTL_S = 3600;

/** One `bb reconfig` request, as every master reads it. */
export interface ReconfigRequest {
  /** The stream entry id: the request's name. */
  id: string;
  at: number;
  /** Who asked (`host pid` of the CLI). */
  by: string;
}

/** One master's answer to a request. */
export interface ReconfigReport<Outcome = unknown> {
  host: string;
  pid: number;
  role: string;
  outcome: Outcome;
  at: number;
}

/**
 * `bb reconfig` for every master (README "Running several masters"): a request is an entry of the
 * stream db:reconfig, which every master, leader or standby, reads from where it started; each
 * reloads its own config file and stores its answer under db:reconfig:<id>, which the CLI waits
 * for. Any master (and the CLI) writes these keys: a standby's answer is not a leader-only write,
 * so they are not fenced.
 */
export class ReconfigRepo {
  constructor(private readonly db: Db) {}

  /** Adds a request; returns its id. */
  async request(by: string): Promise<string> {
    const id = await this.db.unfenced.xadd(this.db.keys.reconfigRequests, 'MAXLEN', '~', KEEP_REQUESTS, '*', 'at', String(this.db.now()), 'by', by);
    return id!;
  }

  /** The id of the newest request ('0-0' when there is none): a master starting reads what comes after. */
  async newestId(): Promise<string> {
    const [last] = await this.db.redis.xrevrange(this.db.keys.reconfigRequests, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  }

  /** Requests after `id`, oldest first. */
  async after(id: string): Promise<ReconfigRequest[]> {
    const entries = await this.db.redis.xrange(this.db.keys.reconfigRequests, `(${id}`, '+');
    return entries.map(([entryId, fields]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      return { id: entryId, at: Number(f.get('at') ?? 0), by: f.get('by') ?? '' };
    });
  }

  /** Stores one master's answer to request `id`. */
  async report(id: string, report: ReconfigReport): Promise<void> {
    const key = this.db.keys.reconfigReports(id);
    await this.db.unfenced.multi().hset(key, `${report.host}:${report.pid}`, JSON.stringify(report)).expire(key, REPORTS_TTL_S).exec();
  }

  /** The answers to request `id` so far, by `<host>:<pid>`. */
  async reports<Outcome>(id: string): Promise<Map<string, ReconfigReport<Outcome>>> {
    const raw = await this.db.redis.hgetall(this.db.keys.reconfigReports(id));
    return new Map(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as ReconfigReport<Outcome>]));
  }
}
