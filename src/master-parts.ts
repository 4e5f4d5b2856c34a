import { join, resolve } from 'node:path';
import { GitPoller } from './changes/gitpoller.js';
import type { MasterConfig } from './config/schema.js';
import type { Store } from './data/store.js';
import type { Logger } from './log.js';
import { changeInputSchema, type ChangeFields, type ChangeInput } from './model/change.js';
import type { ConfigSummary } from './model/records.js';

/** What `bb status`, the chat and the web show of the config (stored at start and on reconfig). */
export function summarize(config: MasterConfig): ConfigSummary {
  return {
    title: config.title,
    ...(config.titleUrl ? { titleUrl: config.titleUrl } : {}),
    ...(config.chat ? { botName: config.chat.botName } : {}),
    builders: config.builders.map((b) => ({
      name: b.name,
      executors: b.executors,
      tier: b.tier,
      ...(b.category ? { category: b.category } : {}),
      ...(b.description ? { description: b.description } : {}),
    })),
    schedulers: config.schedulers.map((s) => ({
      name: s.name,
      type: s.type,
      builders: s.builders,
      ...('branch' in s && s.branch ? { branch: s.branch } : {}),
    })),
    executors: config.executors.map((e) => e.name),
    ...(config.packages?.builder ? { packagesBuilder: config.packages.builder } : {}),
    retention: config.retention,
  };
}

function changeInputToFields(c: ChangeInput): ChangeFields {
  return changeInputSchema.parse(c);
}

/** A git poller for every repository with a poll interval, started. */
export function startPollers(config: MasterConfig, store: Store, log: Logger, base: string): GitPoller[] {
  const pollers: GitPoller[] = [];
  for (const repo of config.repositories) {
    if (repo.pollInterval <= 0) continue;
    const poller = new GitPoller({
      name: repo.name,
      url: repo.url,
      branches: repo.branches,
      project: repo.project,
      mirrorDir: join(resolve(base, config.basedir), 'mirrors', repo.name),
      state: { load: () => store.pollerTips(repo.name) },
      emit: async (changes, tips) => {
        await store.addPolledChanges(changes.map((c) => changeInputToFields(c)), { poller: repo.name, tips });
      },
      logger: log.child({ poller: repo.name }),
      baseDir: base,
    });
    poller.start(repo.pollInterval * 1000);
    pollers.push(poller);
  }
  return pollers;
}
