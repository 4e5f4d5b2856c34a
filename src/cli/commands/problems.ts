import { Command } from 'commander';
import { firstBadTests } from '../../problems/index.js';
import type { Store } from '../../data/store.js';
import { details, historyLines, oneLine, problemTests, testListLines } from '../../problems/describe.js';
import { headline } from '../../problems/subject-text.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';
import { wasPruned } from '../../data/retention.js';

/** `bb problems [--all] [--json]`: what chat's `problems` shows, read from the store. */
export function problemsCommand(): Command {
  return addConnOptions(
    new Command('problems')
      .description('open problems, one line each: what fails, where, since which revision, who is guilty')
      .option('--all', 'every problem, newest first: also resolved and flaky ones')
      .option('-n, --last <n>', 'with --all: how many', '100')
      .option('--json', 'machine-readable output (the stored problems)'),
  ).action(async (o: ConnOptions & { all?: boolean; last: string; json?: boolean }) => {
    const last = Number(o.last);
    if (!Number.isInteger(last) || last < 1) throw new CliError(`--last must be a positive whole number, not "${o.last}"`, 2);
    await withStore(o, async (store) => {
      const list = o.all ? await store.problems.recent(last) : await store.problems.open();
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else console.log(list.length ? list.map((p) => oneLine(p)).join('\n') : o.all ? 'No problems.' : 'No open problems.');
    });
  });
}

/** `bb problem N [--tests] [--json]`: what chat's `problem N` shows; `--tests` every failing test. */
export function problemCommand(): Command {
  return addConnOptions(
    new Command('problem')
      .description('one problem in full: what fails, builders, last good..first bad, guilty and responsible, state, reminders')
      .argument('<number>', 'the problem number (#12 or 12)')
      .option('--tests', 'every failing test, grouped by file')
      .option('--json', 'machine-readable output'),
  ).action(async (arg: string, o: ConnOptions & { tests?: boolean; json?: boolean }) => {
    const id = Number(arg.replace(/^#/, ''));
    if (!Number.isInteger(id) || id <= 0) throw new CliError(`"${arg}" is not a problem number`, 2);
    await withStore(o, async (store) => {
      const p = await store.problems.get(id);
      if (!p) throw new CliError((await wasPruned(store, 'problems', id)) ? `problem ${id} was resolved long ago and pruned (retention.problems)` : `there is no problem ${id}`);
      if (o.tests) {
        const universe = await firstBadTests(store, p);
        const tests = problemTests(p, universe);
        const steps = p.subjects.filter((s) => s.kind === 'step').map((s) => s.name);
        if (o.json) console.log(JSON.stringify({ id: p.id, state: p.state, count: tests.length, tests, steps }, null, 2));
        else console.log([`Problem ${p.id} [${p.state}]: ${headline(p)}`, ...testListLines(p, universe)].join('\n'));
        return;
      }
      const reminders = await store.hassle.log(id);
      if (o.json) {
        console.log(JSON.stringify({ ...p, reminders }, null, 2));
        return;
      }
      const summary = await store.configSummary();
      const at = { botName: summary?.botName ?? 'bb', titleUrl: summary?.titleUrl };
      console.log([...details(p, at), ...historyLines(reminders, Math.max(1, reminders.length))].join('\n'));
    });
  });
}

async function withStore(o: ConnOptions, fn: (store: Store) => Promise<void>): Promise<void> {
  const { store, close } = await openStore(o);
  try {
    await fn(store);
  } finally {
    close();
  }
}
