import { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { RetentionConfig } from '../../model/retention.js';
import { Pruner, PRUNE_KINDS, type PruneKind, type PruneReport } from '../../data/prune.js';
import { jobHistoryCleaner } from '../../queue/job-history.js';
import { addConnOptions, CliError, connPrefix, connUrl, openStore, type ConnOptions } from '../connect.js';

export function pruneCommand(): Command {
  return addConnOptions(
    new Command('prune')
      .description('apply the retention policy now: remove old builds, logs, BuildSets, changes, resolved Problems, reminder logs, package records and finished jobs (the master also does it in the background)')
      .option('-n, --dry-run', 'list what would go and delete nothing')
      .option('-c, --config <file>', "take the retention policy from this config (default: the running master's)")
      .option('--json', 'machine-readable output'),
  ).action(async (o: ConnOptions & { dryRun?: boolean; config?: string; json?: boolean }) => {
    const { store, close } = await openStore(o);
    try {
      let policy: RetentionConfig | undefined;
      if (o.config) policy = (await loadConfig(resolve(o.config))).config.retention;
      else {
        const summary = await store.configSummary();
        if (!summary) throw new CliError('no master has run with this Redis and prefix yet: give the policy with --config FILE');
        if (summary.retention === undefined) throw new CliError('the master that ran last did not publish a retention policy: give it with --config FILE');
        policy = summary.retention;
      }
      if (policy === false) {
        console.log(o.json ? JSON.stringify({ retention: false }) : 'retention is off (retention: false in the config): nothing is pruned');
        return;
      }
      const jobs = policy.jobs ? jobHistoryCleaner(connUrl(o), connPrefix(o), policy.jobs) : null;
      try {
        const report = await new Pruner(store, policy).run({ dryRun: !!o.dryRun, ...(jobs ? { jobs: jobs.clean } : {}) });
        console.log(o.json ? JSON.stringify(report, null, 2) : formatPrune(report));
      } finally {
        jobs?.close();
      }
    } finally {
      close();
    }
  });
}

const KIND_NAMES: Record<PruneKind, string> = {
  builds: 'builds',
  logs: 'logs of builds',
  buildsets: 'buildsets',
  changes: 'changes',
  problems: 'resolved problems',
  hassle: 'reminder logs of resolved problems',
  packages: 'package records',
  jobs: 'finished jobs',
};

/** `bb prune`'s text: one line per kind of history. */
export function formatPrune(r: PruneReport): string {
  const verb = r.dryRun ? 'would go' : 'pruned';
  const lines = [r.dryRun ? 'dry run: nothing was deleted' : `pruned at ${new Date(r.at).toISOString()}`];
  for (const kind of PRUNE_KINDS) {
    const ranges = Object.entries(r.ranges[kind]).map(([who, [lo, hi]]) => {
      const span = lo === hi ? `${lo}` : `${lo}-${hi}`;
      return who === '*' ? `ids ${span}` : `${who} #${span}`;
    });
    if (kind === 'jobs') ranges.push(...Object.entries(r.jobs).map(([queue, n]) => `${queue} ${n}`));
    const extra = kind === 'buildsets' && r.requests ? ` with ${r.requests} requests` : '';
    const kept = r.kept[kind] ? `; ${r.kept[kind]} due but kept (still needed)` : '';
    const what = KIND_NAMES[kind];
    lines.push(`${what}: ${r.pruned[kind]} ${verb}${ranges.length ? ` (${ranges.join(', ')})` : ''}${extra}${kept}`);
  }
  lines.push(`redis keys: ${r.keys} ${r.dryRun ? 'would be deleted' : 'deleted'}`);
  return lines.join('\n');
}
