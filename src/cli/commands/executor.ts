import type { Command } from 'commander';
import { makeExecutorCommand } from '../../../executor/main.js';

/** `bb executor`: defined with the executor, which imports nothing of the master. */
export function executorCli(): Command {
  return makeExecutorCommand();
}
