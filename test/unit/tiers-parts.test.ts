import { describe, expect, it } from 'vitest';
import { formatSpan, parseDuration, showRev } from '../../src/tiers/index.js';
import { SECRET, problemsOf, writeModule } from './config-helpers.js';

describe('tiers: durations and revisions', () => {
  it('parses the durations demote and suggestDemotionAfter take', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1.5d')).toBe(129_600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('10')).toBeNull();
  });

  it('shows spans and revisions briefly', () => {
    expect(formatSpan(45_000)).toBe('45s');
    expect(formatSpan(12 * 60_000)).toBe('12m');
    expect(formatSpan(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m');
    expect(formatSpan(2 * 86_400_000 + 4 * 3_600_000)).toBe('2d 4h');
    expect(showRev('1234')).toBe('r1234');
    expect(showRev('0123456789abcdef0123')).toBe('0123456789ab');
  });
});

describe('config: packages and tiers', () => {
  it('names configured builders, with a readable duration', async () => {
    const path = writeModule(`
export default defineConfig({
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  packages: { builder: 'pakage' },
  tiers: { owners: { linx: ['warner'] }, suggestDemotionAfter: 'a day' },
});
`);
    const problems = await problemsOf(path);
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['tiers.suggestDemotionAfter']));
  });

  it('reports unknown builders in packages and tiers.owners', async () => {
    const path = writeModule(`
export default defineConfig({
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  packages: { builder: 'pakage' },
  tiers: { owners: { linx: ['warner'] } },
});
`);
    const problems = await problemsOf(path);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'packages.builder', message: expect.stringMatching(/unknown builder "pakage" \(known: linux\)/) }),
        expect.objectContaining({ path: 'tiers.owners.linx', message: expect.stringMatching(/unknown builder "linx"/) }),
      ]),
    );
  });
});
