import type { ConfigSummary } from '../model/records.js';
import type { Db } from './db.js';

/** What the running master publishes about itself: its config summary (db:config) and its lease (db:master, written by guardrails.ts). */
export class MasterStateRepo {
  constructor(private readonly db: Db) {}

  async putConfigSummary(summary: ConfigSummary): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.config, JSON.stringify(summary)));
  }

  async configSummary(): Promise<ConfigSummary | null> {
    return this.db.getJson<ConfigSummary>(this.db.keys.config);
  }
}
