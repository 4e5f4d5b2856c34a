import type { ExecutorRecord } from '../model/records.js';
import type { Db } from './db.js';

/** Executor records (db:executor:<name>). Publishes `executor.connected` and `executor.lost`. */
export class ExecutorsRepo {
  constructor(private readonly db: Db) {}

  async get(name: string): Promise<ExecutorRecord | null> {
    return this.db.getJson<ExecutorRecord>(this.db.keys.executor(name));
  }

  async getMany(names: string[]): Promise<ExecutorRecord[]> {
    return this.db.getJsonMany<ExecutorRecord>(names.map((n) => this.db.keys.executor(n)));
  }

  /** Write an executor record; publishes connected/lost when its state changes to that. */
  async put(rec: ExecutorRecord, prevState?: ExecutorRecord['state']): Promise<void> {
    await this.db.redis.set(this.db.keys.executor(rec.name), JSON.stringify(rec));
    if (rec.state !== prevState) {
      if (rec.state === 'connected') this.db.bus.emit('executor.connected', rec);
      else if (rec.state !== 'stopping') this.db.bus.emit('executor.lost', rec, rec.reason ?? rec.state);
    }
  }

  /** Write an executor record without an event (a heartbeat). */
  /** A write that succeeds only while Redis takes writes (the watchdog proves it can hear before it judges). */
  async watchdogTick(at: number): Promise<void> {
    await this.db.redis.set(this.db.keys.executorWatchdog(), String(at), 'PX', 3_600_000);
  }

  async touch(rec: ExecutorRecord): Promise<void> {
    await this.db.redis.set(this.db.keys.executor(rec.name), JSON.stringify(rec));
  }
}
