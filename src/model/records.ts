import type { RetentionConfig } from './retention.js';

/** The master's record of one executor. */
export interface ExecutorRecord {
  name: string;
  /** `stopping`: draining before shutdown, so it gets no new build. */
  state: 'connected' | 'stopping' | 'lost' | 'offline';
  session: string;
  /** Highest message seq seen from this session. */
  seq: number;
  slots: number;
  /** Builders it offered in its hello (absent: every builder the config allows). */
  builders?: string[];
  hostname: string;
  version: string;
  connectedAt: number;
  lastSeen: number;
  /** When the accepted hello was sent (the executor's clock): only a newer hello replaces this session. */
  helloSentAt?: number;
  /** Its process takes jobs from its job list (src/queue/job-list.ts), not the BullMQ queue. */
  jobList?: boolean;
  /** Why it is lost or offline. */
  reason?: string;
}

/** What the running master publishes about its config, for the CLI and chat. */
export interface ConfigSummary {
  title: string;
  /** The public web address links are made from (the config's `titleUrl`), if any. */
  titleUrl?: string;
  /** The chat bot's name, for the commands messages suggest. */
  botName?: string;
  builders: Array<{ name: string; executors: string[]; tier: 'supported' | 'unsupported'; category?: string; description?: string }>;
  schedulers: Array<{ name: string; type: string; builders: string[]; branch?: string }>;
  executors: string[];
  /** The packages builder (`packages.builder`), if any: it never gates. */
  packagesBuilder?: string;
  /** The retention policy (`bb prune` applies it; `false`: keep everything). Absent from masters before retention. */
  retention?: RetentionConfig;
}

/** A process that claimed an executor's name and was refused: it takes no job. */
export interface RefusedExecutor {
  name: string;
  session: string;
  /** The host it named (unverified when its secret was wrong). */
  hostname: string;
  reason: string;
  at: number;
}

/**
 * An executor's announcement (connected, lost, refused a process): carries what it says, since the
 * executor's record moves on. `id` is its own (random), so two alike events are two announcements.
 */
export interface ExecutorAnnouncement {
  kind: 'executor';
  id: string;
  name: string;
  event: 'connected' | 'lost' | 'refused';
  /** When it happened (ms since the epoch): a new leader says it only if it is recent. */
  at: number;
  hostname?: string;
  version?: string;
  /** lost: why; refused: the reason given. */
  why?: string;
  /** refused: the refused process's session. */
  session?: string;
}
