import { Command } from 'commander';
import type { Store } from '../../data/store.js';
import type { ConfigSummary } from '../../model/records.js';
import { openProblemsByBuilder, openProblemsOn } from '../../problems/index.js';
import { fullTierLines, packageLines, readTiers, showRev, waitingLine } from '../../tiers/index.js';
import { Tree } from '../../tiers/tree.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';

async function withSummary(o: ConnOptions, fn: (store: Store, summary: ConfigSummary) => Promise<void>): Promise<void> {
  const { store, close } = await openStore(o);
  try {
    const summary = await store.configSummary();
    if (!summary) throw new CliError('no master has run on this Redis and prefix yet (no config summary)');
    await fn(store, summary);
  } finally {
    close();
  }
}

/** `bb tiers [--json]`: every builder by tier, green or red and for how long, and what packages wait for. */
export function tiersCommand(): Command {
  return addConnOptions(new Command('tiers').description('every builder by tier (supported, unsupported), green or red since when, demotions, and what the next package waits for').option('--json', 'machine-readable output')).action(
    async (o: ConnOptions & { json?: boolean }) => {
      await withSummary(o, async (store, summary) => {
        const now = Date.now();
        const { list, waits } = await readTiers(store, summary, now);
        if (o.json) console.log(JSON.stringify({ builders: list, waiting: waits }, null, 2));
        else console.log(fullTierLines(list, waits, now).join('\n'));
      });
    },
  );
}

/** `bb packages [-n N] [--json]`: the last packages and what the next one waits for. */
export function packagesCommand(): Command {
  return addConnOptions(
    new Command('packages').description('the last packages: revision, package build, the supported builds that vouched for it; and what the next waits for').option('-n, --last <n>', 'how many', '10').option('--json', 'machine-readable output'),
  ).action(async (o: ConnOptions & { last: string; json?: boolean }) => {
    const n = Number(o.last);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`--last must be a whole number from 1 to 1000, not "${o.last}"`, 2);
    await withSummary(o, async (store, summary) => {
      const [list, { waits }] = await Promise.all([store.tiers.recentPackages(n), readTiers(store, summary, Date.now())]);
      if (o.json) {
        console.log(JSON.stringify({ packages: list, waiting: waits }, null, 2));
        return;
      }
      const wait = waitingLine(waits, showRev);
      console.log([...(wait ? [wait] : []), ...(list.length ? packageLines(list) : ['No packages made yet.'])].join('\n'));
    });
  });
}

/** `bb tree [--json]`: open or closed, why, and who is responsible. */
export function treeCommand(): Command {
  return addConnOptions(new Command('tree').description('is the tree open? closed while a supported builder has an open Problem or an admin closed it').option('--json', 'machine-readable output')).action(
    async (o: ConnOptions & { json?: boolean }) => {
      await withSummary(o, async (store, summary) => {
        const { list } = await readTiers(store, summary, Date.now());
        const tiers = new Map(list.map((h) => [h.builder, h.tier]));
        const t = await new Tree(store, { openOn: (b) => openProblemsOn(store, b), openAll: () => openProblemsByBuilder(store) }).state(tiers);
        if (o.json) console.log(JSON.stringify(t, null, 2));
        else console.log(t.open ? 'The tree is open.' : [`The tree is closed: ${t.reasons.join('; ')}.`, ...(t.responsible.length ? [`Responsible: ${t.responsible.join(', ')}.`] : [])].join('\n'));
      });
    },
  );
}
