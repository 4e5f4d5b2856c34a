import { Command } from 'commander';
import { firstBadTests } from '../../problems/index.js';
import type { Store } from '../../data/store.js';
import { details, historyLines, listLines, oneLine, problemTests } from '../../problems/describe.js';
import { headline } from '../../problems/subject-text.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';
import type { HassleEntry } from '../../model/hassle.js';
import type { Problem } from '../../model/problem.js';
import type { ListedTest } from '../../problems/test-names.js';
import { addUrlOption, getApi, webBase, type WebReadOptions } from '../web-read.js';
import { wasPruned } from '../../data/retention.js';

/** `bb problems [--all] [--json]`: what chat's `problems` shows, read from the store. */
export function problemsCommand(): Command {
  return addUrlOption(addConnOptions(
    new Command('problems')
      .description('open problems, one line each: what fails, where, since which revision, who is guilty')
      .option('--all', 'every problem, newest first: also resolved and flaky ones')
      .option('-n, --last <n>', 'with --all: how many', '100')
      .option('--json', 'machine-readable output (the stored problems)'),
  )).action(async (o: ConnOptions & WebReadOptions & { all?: boolean; last: string; json?: boolean }) => {
    const last = Number(o.last);
    if (!Number.isInteger(last) || last < 1) throw new CliError(`--last must be a positive whole number, not "${o.last}"`, 2);
    await withSource(o, async (src) => {
      const list = await src.problems(o.all ? last : undefined);
      if (o.json) console.log(JSON.stringify(list, null, 2));
      else console.log(list.length ? list.map((p) => oneLine(p)).join('\n') : o.all ? 'No problems.' : 'No open problems.');
    });
  });
}

/** `bb problem N [--tests] [--json]`: what chat's `problem N` shows; `--tests` every failing test. */
export function problemCommand(): Command {
  return addUrlOption(addConnOptions(
    new Command('problem')
      .description('one problem in full: what fails, builders, last good..first bad, guilty and responsible, state, reminders')
      .argument('<number>', 'the problem number (#12 or 12)')
      .option('--tests', 'every failing test, grouped by file')
      .option('--json', 'machine-readable output'),
  )).action(async (arg: string, o: ConnOptions & WebReadOptions & { tests?: boolean; json?: boolean }) => {
    const id = Number(arg.replace(/^#/, ''));
    if (!Number.isInteger(id) || id <= 0) throw new CliError(`"${arg}" is not a problem number`, 2);
    await withSource(o, async (src) => {
      if (o.tests) {
        const t = await src.tests(id);
        if (o.json) console.log(JSON.stringify({ id: t.id, state: t.state, count: t.count, tests: t.tests, steps: t.steps }, null, 2));
        else console.log([`Problem ${t.id} [${t.state}]: ${t.headline}`, ...listLines(t.tests, t.steps)].join('\n'));
        return;
      }
      const { problem: p, log: reminders, at } = await src.problem(id);
      if (o.json) {
        console.log(JSON.stringify({ ...p, reminders }, null, 2));
        return;
      }
      console.log([...details(p, at), ...historyLines(reminders, Math.max(1, reminders.length))].join('\n'));
    });
  });
}

/** Every failing test of a Problem as `bb problem N --tests` shows it. */
interface ProblemTests {
  id: number;
  state: string;
  headline: string;
  count: number;
  tests: ListedTest[];
  steps: string[];
}

/** Where the Problems are read: the store (Redis), or a master's web API (`--url`, $BB_URL). */
interface Source {
  problems(recent?: number): Promise<Problem[]>;
  problem(id: number): Promise<{ problem: Problem; log: HassleEntry[]; at: { botName: string; titleUrl?: string | undefined } }>;
  tests(id: number): Promise<ProblemTests>;
}

async function withSource(o: ConnOptions & WebReadOptions, fn: (src: Source) => Promise<void>): Promise<void> {
  const base = webBase(o);
  if (base) {
    return fn({
      problems: async (recent) =>
        (await getApi<{ problems: Problem[] }>(base, recent === undefined ? 'problems?state=open&limit=200' : `problems?state=recent&limit=${Math.min(recent, 200)}`)).problems,
      problem: async (id) => {
        const got = await getApi<{ problem: Problem; log: HassleEntry[]; botName?: string }>(base, `problems/${id}`);
        return { problem: got.problem, log: got.log, at: { botName: got.botName ?? 'bb', titleUrl: base } };
      },
      tests: (id) => getApi<ProblemTests>(base, `problems/${id}/tests`),
    });
  }
  await withStore(o, (store) =>
    fn({
      problems: (recent) => (recent === undefined ? store.problems.open() : store.problems.recent(recent)),
      problem: async (id) => {
        const p = await must(store, id);
        const summary = await store.configSummary();
        return { problem: p, log: await store.hassle.log(id), at: { botName: summary?.botName ?? 'bb', titleUrl: summary?.titleUrl } };
      },
      tests: async (id) => {
        const p = await must(store, id);
        const tests = problemTests(p, await firstBadTests(store, p));
        return { id: p.id, state: p.state, headline: headline(p), count: tests.length, tests, steps: p.subjects.filter((s) => s.kind === 'step').map((s) => s.name) };
      },
    }),
  );
}

async function must(store: Store, id: number): Promise<Problem> {
  const p = await store.problems.get(id);
  if (!p) throw new CliError((await wasPruned(store, 'problems', id)) ? `problem ${id} was resolved long ago and pruned (retention.problems)` : `there is no problem ${id}`);
  return p;
}

async function withStore(o: ConnOptions, fn: (store: Store) => Promise<void>): Promise<void> {
  const { store, close } = await openStore(o);
  try {
    await fn(store);
  } finally {
    close();
  }
}
