import type { ExecutorRecord, RefusedExecutor } from '../model/records.js';
import type { Db, Multi } from './db.js';
import { executorAnnouncement, type AnnouncementsRepo, type ExecutorAnnouncement } from './announcements.js';

/**
 * Executor records (db:executor:<name>) and the last refused process of each (db:executor:<name>:refused).
 * Publishes `executor.connected`, `executor.lost` and `executor.refused`.
 */
export class ExecutorsRepo {
  constructor(
    private readonly db: Db,
    private readonly announcements: AnnouncementsRepo,
  ) {}

  async get(name: string): Promise<ExecutorRecord | null> {
    return this.db.getJson<ExecutorRecord>(this.db.keys.executor(name));
  }

  async getMany(names: string[]): Promise<ExecutorRecord[]> {
    return this.db.getJsonMany<ExecutorRecord>(names.map((n) => this.db.keys.executor(n)));
  }

  /**
   * Write an executor record (fenced); when its state changes to connected or lost, its
   * announcement is made due in the same write (src/data/announcements.ts: a leader that dies
   * before saying it leaves it to the next), and the change is published with it.
   */
  async put(rec: ExecutorRecord, prevState?: ExecutorRecord['state']): Promise<void> {
    const changed = rec.state !== prevState && rec.state !== 'stopping';
    const why = rec.reason ?? rec.state;
    const due: ExecutorAnnouncement | null = !changed
      ? null
      : rec.state === 'connected'
        ? executorAnnouncement({ name: rec.name, event: 'connected', at: this.db.now(), hostname: rec.hostname, version: rec.version })
        : executorAnnouncement({ name: rec.name, event: 'lost', at: this.db.now(), why });
    await this.db.write((m) => {
      m.set(this.db.keys.executor(rec.name), JSON.stringify(rec));
      if (due) this.announcements.due(m, due);
    });
    if (!due) return;
    if (rec.state === 'connected') this.db.bus.emit('executor.connected', rec, due);
    else this.db.bus.emit('executor.lost', rec, why, due);
  }

  /** Write an executor record without an event (a heartbeat). */
  /** A write that succeeds only while Redis takes writes (the watchdog proves it can hear before it judges). */
  async watchdogTick(at: number): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.executorWatchdog(), String(at), 'PX', 3_600_000));
  }

  async touch(rec: ExecutorRecord): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.executor(rec.name), JSON.stringify(rec)));
  }

  /** The same write as touch, inside the caller's transaction (the build events of the same message). */
  touchIn(m: Multi, rec: ExecutorRecord): void {
    m.set(this.db.keys.executor(rec.name), JSON.stringify(rec));
  }

  /**
   * Records the last refused process under an executor's name (for `bb status`) with its
   * announcement due (fenced), then publishes it.
   */
  async putRefused(rec: RefusedExecutor): Promise<void> {
    const due = executorAnnouncement({ name: rec.name, event: 'refused', at: rec.at || this.db.now(), hostname: rec.hostname, session: rec.session, why: rec.reason });
    await this.db.write((m) => {
      m.set(this.db.keys.executorRefused(rec.name), JSON.stringify(rec));
      this.announcements.due(m, due);
    });
    this.db.bus.emit('executor.refused', rec, due);
  }

  /** The last refused process of each executor that has one. */
  async refused(names: string[]): Promise<Map<string, RefusedExecutor>> {
    const out = new Map<string, RefusedExecutor>();
    for (const rec of await this.db.getJsonMany<RefusedExecutor>(names.map((n) => this.db.keys.executorRefused(n)))) out.set(rec.name, rec);
    return out;
  }
}
