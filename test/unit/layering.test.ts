import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** The rules are in .dependency-cruiser.cjs: no cycles, the model at the bottom, Redis only behind src/data and src/queue, executor/ and bot-commands/ on a short leash. */
describe('layering (dependency-cruiser)', () => {
  it('src, bot-commands and executor keep every rule', async () => {
    const bin = join(ROOT, 'node_modules', '.bin', 'depcruise');
    const out = await run(bin, ['src', 'bot-commands', 'executor', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT, maxBuffer: 16 << 20 }).then(
      (r) => ({ code: 0, text: r.stdout + r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, text: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(out.text, out.text).toMatch(/no dependency violations found \(\d+ modules/);
    expect(out.code).toBe(0);
  }, 120_000);

  it('a broken rule is reported (the check is not blind)', async () => {
    const bin = join(ROOT, 'node_modules', '.bin', 'depcruise');
    // test/fixtures/layering holds two modules that import each other.
    const out = await run(bin, ['test/fixtures/layering', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT }).then(
      (r) => ({ code: 0, text: r.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, text: err.stdout ?? '' }),
    );
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(/no-cycles/);
  }, 120_000);
});
