import type { Build, BuildRequest } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { ConfigSummary, ExecutorRecord } from '../data/records.js';
import type { BuilderStatus } from '../status/status.js';

/** What chat commands may read and do. The router hands it to every command; nothing else is reachable. */
export interface BotApi {
  readonly version: string;
  readonly botName: string;
  config(): Promise<ConfigSummary>;
  status(builder?: string): Promise<BuilderStatus[]>;
  lastBuild(builder: string): Promise<Build | null>;
  build(builder: string, number: number): Promise<Build | null>;
  executors(): Promise<ExecutorRecord[]>;
  recentChanges(n: number): Promise<Change[]>;
  pending(): Promise<BuildRequest[]>;
  /** Force a build; `owner` is who asked. Returns the BuildSet id. */
  force(req: { builders: string[]; branch?: string; revision?: string; reason?: string; owner: string }): Promise<number>;
  /** Last `lines` lines of a step's log (default: the last step that ran). */
  logTail(build: Build, step: number | undefined, lines: number): Promise<{ step: number; lines: string[] }>;
  /** Stop one build (its running build when `number` is left out). Throws with a message for chat. */
  stopBuild(req: { builder: string; number?: number; reason?: string; owner: string }): Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>;
}
