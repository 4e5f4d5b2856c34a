import type { MasterConfig } from './schema.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './load.js';

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Things a config may say that bb does not do as written (not errors: the master starts). */
export function configNotes(config: MasterConfig): string[] {
  const notes: string[] = [];
  const pkg = config.packages?.builder;
  const b = pkg ? config.builders.find((x) => x.name === pkg) : undefined;
  if (b && b.tier === 'supported') {
    notes.push(`builder "${b.name}" is the packages builder and has tier 'supported' (the default): the packages builder never gates packages, whatever its tier; say tier: 'unsupported' to make that plain`);
  }
  return notes;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * `bb check-config FILE`: loads and checks the config as the master would, without starting
 * anything. Prints a summary on stdout and returns 0, or every problem on stderr and returns 1.
 */
export async function checkConfigCommand(file: string, io: Output = stdio): Promise<number> {
  try {
    const { config } = await loadConfig(file);
    io.out(
      `config OK: ${count(config.builders.length, 'builder', 'builders')}, ${count(config.schedulers.length, 'scheduler', 'schedulers')}, ` +
        `${count(config.executors.length, 'executor', 'executors')}, ${count(config.repositories.length, 'repository', 'repositories')}`,
    );
    for (const note of configNotes(config)) io.out(`note: ${note}`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.format());
    return 1;
  }
}
