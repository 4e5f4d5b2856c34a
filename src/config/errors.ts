import { isAbsolute, relative } from 'node:path';

/** One thing wrong with a config: where (`builders[2].steps[1].command`, or '' for the file as a whole) and what to do. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** The file as the user would type it: relative to the working directory when it lies below it. */
export function displayFile(file: string): string {
  if (!file || !isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * A config that cannot be used, with every problem found in it, not just the first.
 * `format()` gives one line per problem: `config/x.ts: builders[2].steps[1].command: expected ...`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** The config file; '' when the problems are not tied to one. */
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(file, problems));
  }

  format(): string {
    return formatProblems(this.file, this.problems);
  }
}

function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const shown = displayFile(file);
  return problems
    .map((p) => [shown, p.path, oneLine(p.message)].filter(Boolean).join(': '))
    .join('\n');
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
}
