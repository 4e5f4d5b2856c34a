import type { ChatService } from './chat/service.js';
import type { TransportKind } from './chat/transport.js';
import { ConfigError, loadConfig } from './config/load.js';
import { diffConfigs, replaceConfig } from './config/reconfig.js';
import type { MasterConfig } from './config/schema.js';
import type { Logger } from './log.js';
import { KeyedMutex } from './util/mutex.js';

/** What `bb reconfig` (or SIGHUP) did: applied with these changes, or refused for these reasons. */
export type ReconfigOutcome = { ok: true; changes: string[]; reconnected: TransportKind[] } | { ok: false; reasons: string[] };

/** The master's parts made from whole config sections, each remade when its section changed. */
export interface PartsHost {
  config: MasterConfig;
  log: Logger;
  retention: { restart(): Promise<void> };
  pollers: { restart(): Promise<void> };
  http: { restart(): Promise<void> };
  chat: {
    service(): ChatService | undefined;
    start(): Promise<void>;
    stop(): Promise<void>;
    /** New settings for a running chat service; returns the transports it reconnected. */
    reconfigure(service: ChatService): Promise<TransportKind[]>;
  };
}

/** The master as reconfig sees it. */
export interface ReconfigHost extends PartsHost {
  secrets: Map<string, string>;
  /** The config object now holds the new settings: refresh what was derived from it. */
  refresh(smtpChanged: boolean): Promise<void>;
}

/**
 * `bb reconfig` and SIGHUP: the config file read and checked again, then applied to the running
 * master in place: builders, schedulers, executors and their secrets, users, problems and hassle
 * settings, chat settings and permissions, retention, pollers and webhooks. Timers, running builds,
 * reminders and all stored state carry on; a chat transport reconnects only when its own settings
 * changed. A config that fails the check, or changes what needs a restart (Redis, basedir), is
 * refused with the reasons and the old one keeps running. Either way it is said in the log and on
 * the chat's announce channels. One reload at a time.
 */
export class Reconfigurer {
  private readonly lock = new KeyedMutex();

  constructor(private readonly host: () => ReconfigHost) {}

  async reload(file: string | undefined): Promise<ReconfigOutcome> {
    if (!file) return this.refused(['this master was started without a config file to read again']);
    let next: Awaited<ReturnType<typeof loadConfig>>;
    try {
      next = await loadConfig(file);
    } catch (err) {
      if (err instanceof ConfigError) return this.refused(err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)));
      return this.refused([`loading ${file} failed: ${(err as Error).message}`]);
    }
    return this.apply(next);
  }

  apply(next: { config: MasterConfig; secrets: Map<string, string> }): Promise<ReconfigOutcome> {
    return this.lock.run('reconfig', async () => {
      const host = this.host();
      const diff = diffConfigs(host.config, next.config);
      if (diff.needsRestart.length) return this.refused(diff.needsRestart);
      const smtpBefore = JSON.stringify(host.config.users.smtp);
      replaceConfig(host.config, next.config);
      host.secrets.clear();
      for (const [k, v] of next.secrets) host.secrets.set(k, v);
      await host.refresh(JSON.stringify(host.config.users.smtp) !== smtpBefore);
      const reconnected = await applyParts(host, diff.sections);
      const outcome: ReconfigOutcome = { ok: true, changes: diff.changes, reconnected };
      host.log.info({ changes: diff.changes, reconnected }, diff.changes.length ? 'config reloaded' : 'config reloaded: nothing changed');
      await this.say(reconfigText(outcome));
      return outcome;
    });
  }

  private async refused(reasons: string[]): Promise<ReconfigOutcome> {
    this.host().log.error({ reasons }, 'config reload refused; the running config stays');
    await this.say(reconfigText({ ok: false, reasons }));
    return { ok: false, reasons };
  }

  /** To every announce target of the running config (its admin channels), when chat runs. */
  private async say(text: string): Promise<void> {
    const host = this.host();
    const chat = host.chat.service();
    if (!chat) return;
    for (const target of new Set((host.config.chat?.announce ?? []).map((a) => a.target))) {
      await chat.send(target, text).catch((err) => host.log.warn({ err, target }, 'reconfig notice not sent'));
    }
  }
}

/**
 * After the config object was replaced in place: remake what changed sections feed. Returns the
 * chat transports that reconnected (a transport whose own settings did not change stays connected).
 */
export async function applyParts(host: PartsHost, sections: ReadonlySet<string>): Promise<TransportKind[]> {
  if (sections.has('retention')) await host.retention.restart();
  if (sections.has('repositories')) await host.pollers.restart();
  if (sections.has('http')) await host.http.restart();
  const service = host.chat.service();
  if (!host.config.chat) {
    if (sections.has('chat') && service) await host.chat.stop();
    return [];
  }
  if (!service) {
    await host.chat.start();
    return ['irc', 'matrix'].filter((k) => (host.config.chat as Record<string, unknown>)[k]) as TransportKind[];
  }
  // Chat commands read builders, schedulers, users and tiers: they get the new config whatever changed.
  return host.chat.reconfigure(service);
}

/** One line for the chat and the CLI. */
export function reconfigText(o: ReconfigOutcome): string {
  if (!o.ok) return `config reload refused, the running config stays: ${o.reasons.join('; ')}`;
  if (!o.changes.length) return 'config reloaded: nothing changed';
  const re = o.reconnected.length ? ` (reconnected: ${o.reconnected.join(', ')})` : '';
  return `config reloaded: ${o.changes.join('; ')}${re}`;
}
