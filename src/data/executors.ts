import type { ExecutorRecord, RefusedExecutor } from '../model/records.js';
import type { Db } from './db.js';

/**
 * Executor records (db:executor:<name>) and the last refused process of each (db:executor:<name>:refused).
 * Publishes `executor.connected`, `executor.lost` and `executor.refused`.
 */
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

  /** Records the last refused process under an executor's name (for `bb status`), then publishes it. */
  async putRefused(rec: RefusedExecutor): Promise<void> {
    await this.db.redis.set(this.db.keys.executorRefused(rec.name), JSON.stringify(rec));
    this.db.bus.emit('executor.refused', rec);
  }

  /** The last refused process of each executor that has one. */
  async refused(names: string[]): Promise<Map<string, RefusedExecutor>> {
    const out = new Map<string, RefusedExecutor>();
    for (const rec of await this.db.getJsonMany<RefusedExecutor>(names.map((n) => this.db.keys.executorRefused(n)))) out.set(rec.name, rec);
    return out;
  }
}
