import { Command } from 'commander';
import type { Store } from '../../data/store.js';
import { logsPrunedNote, missingBuild } from '../../data/retention.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';

export function logsCommand(): Command {
  return addConnOptions(
    new Command('logs')
      .description("print a build's logs; --follow streams them while it runs")
      .argument('<builder>')
      .argument('<number>', 'build number')
      .argument('[step]', 'step name or index (default: every step)')
      .option('-f, --follow', 'keep printing until the build finishes'),
  ).action(async (builder: string, number: string, step: string | undefined, o: ConnOptions & { follow?: boolean }) => {
    const { store, close } = await openStore(o);
    try {
      await printLogs(store, builder, Number(number), step, Boolean(o.follow), (s) => process.stdout.write(s));
    } finally {
      close();
    }
  });
}

export async function printLogs(store: Store, builder: string, number: number, step: string | undefined, follow: boolean, out: (s: string) => void): Promise<void> {
  let build = await store.buildByNumber(builder, number);
  if (!build) throw new CliError(await missingBuild(store, builder, number));
  const pruned = logsPrunedNote(build);
  if (pruned) {
    out(`${pruned}\n`);
    return;
  }
  const pick = (names: string[]): number[] => {
    if (step === undefined) return names.map((_, i) => i);
    const idx = /^\d+$/.test(step) ? Number(step) : names.indexOf(step);
    if (idx < 0 || idx >= names.length) throw new CliError(`build ${builder} #${number} has no step "${step}" (steps: ${names.join(', ')})`);
    return [idx];
  };
  const steps = pick(build.steps.map((s) => s.name));
  const next = new Map<number, number>();
  for (;;) {
    for (const i of steps) {
      const { chunks, next: n } = await store.readLog(build.id, i, next.get(i) ?? 0);
      if (chunks.length && (next.get(i) ?? 0) === 0 && steps.length > 1) out(`--- step ${i}: ${build.steps[i]?.name} ---\n`);
      for (const c of chunks) out(c.text);
      next.set(i, n);
    }
    if (!follow || build.state === 'finished') break;
    await new Promise((r) => setTimeout(r, 250));
    build = (await store.getBuild(build.id)) ?? build;
    if (build.state === 'finished') continue; // one more read after it finished
  }
  if (follow) out(`--- ${builder} #${number}: ${build.result ?? build.state} ---\n`);
}
