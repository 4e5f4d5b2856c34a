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
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.format());
    return 1;
  }
}
