import { describe, expect, it } from 'vitest';
import { problemsOf, SECRET, writeModule } from './config-helpers.js';

const config = (schedulers: string) =>
  writeModule(`export default defineConfig({
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  schedulers: [${schedulers}],
});`);

describe('dependent scheduler checks', () => {
  it('upstream must name another scheduler', async () => {
    const path = config(`
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] },
    { type: 'dependent', name: 'pkg', upstream: 'trunc', builders: ['linux'] },
    { type: 'dependent', name: 'self', upstream: 'self', builders: ['linux'] },`);
    expect(await problemsOf(path)).toEqual([
      { path: 'schedulers[1].upstream', message: 'unknown scheduler "trunc" (did you mean "trunk"?) (known: trunk, pkg, self)' },
      { path: 'schedulers[2].upstream', message: 'a dependent scheduler cannot follow itself; name the scheduler whose builds it follows' },
    ]);
  });

  it('dependent schedulers may not form a cycle', async () => {
    const path = config(`
    { type: 'dependent', name: 'a', upstream: 'c', builders: ['linux'] },
    { type: 'dependent', name: 'b', upstream: 'a', builders: ['linux'] },
    { type: 'dependent', name: 'c', upstream: 'b', builders: ['linux'] },`);
    expect(await problemsOf(path)).toEqual([
      { path: 'schedulers[0].upstream', message: 'dependent schedulers form a cycle (a → c → b → a); one of them must follow a scheduler that is not dependent' },
    ]);
  });
});
