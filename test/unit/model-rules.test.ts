import { describe, expect, it } from 'vitest';
import { formatDuration, formatSpan, parseDuration } from '../../src/model/duration.js';
import { shortRev, SHORT_REV_LENGTH } from '../../src/model/revision.js';
import { isCounted } from '../../src/model/results.js';
import { isCountedBuild, testedRevision, type Build } from '../../src/model/build.js';
import { masterConfigSchema } from '../../src/config/schema.js';

describe('durations (one parser for config, chat and CLI)', () => {
  it('reads every unit, compounds and decimals', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d 12h')).toBe(129_600_000);
    expect(parseDuration('1.5d')).toBe(129_600_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1m5s')).toBe(65_000);
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', 'soon', '5', '1x', '1.5h30m', 'h', '1h soon', '-1h']) expect(parseDuration(bad), bad).toBeNull();
  });
  it('says a duration back exactly, and it reads back the same', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(604_800_000)).toBe('1w');
    expect(formatDuration(129_600_000)).toBe('1d12h');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(1_500)).toBe('1s500ms');
    for (const ms of [90_000, 604_800_000 + 61_000, 1_500, 86_400_000 * 9]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
  it('rounds an age to two units', () => {
    expect(formatSpan(3 * 3_600_000 + 5 * 60_000 + 7_000)).toBe('3h 5m');
  });
  it('the config takes the same units (1w for a ladder level and suggestDemotionAfter)', () => {
    const base = { executors: [{ name: 'a', secret: 'x'.repeat(24) }], builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'true' }] }] };
    const config = masterConfigSchema.parse({ ...base, tiers: { suggestDemotionAfter: '1w' }, problems: { hassle: { ladder: [{ after: '1w', to: ['guilty'], via: ['dm'] }] } } });
    expect(config.problems.hassle.ladder[0]!.after).toBe(604_800_000);
    expect(config.tiers?.suggestDemotionAfter).toBe('1w');
    expect(masterConfigSchema.safeParse({ ...base, tiers: { suggestDemotionAfter: 'soon' } }).success).toBe(false);
  });
});

describe('shared rules of builds', () => {
  const build = (over: Partial<Build>): Build =>
    ({ id: 1, builder: 'b', number: 1, requestId: 1, buildsetId: 1, executor: 'e', state: 'finished', token: 't', steps: [], properties: {}, sourcestamp: { revision: 'a'.repeat(40), changeIds: [] }, ...over }) as Build;
  it('one short-revision length', () => {
    expect(SHORT_REV_LENGTH).toBe(12);
    expect(shortRev('0123456789abcdef0123456789abcdef01234567')).toBe('0123456789ab');
    expect(shortRev('main')).toBe('main');
    expect(shortRev(undefined, 'HEAD')).toBe('HEAD');
  });
  it('which results count as a verdict', () => {
    expect(['SUCCESS', 'WARNINGS', 'FAILURE', 'EXCEPTION'].every((r) => isCounted(r as never))).toBe(true);
    expect(['RETRY', 'CANCELLED', 'SKIPPED'].some((r) => isCounted(r as never))).toBe(false);
    expect(isCountedBuild(build({ result: 'FAILURE' }))).toBe(true);
    expect(isCountedBuild(build({ state: 'running' }))).toBe(false);
  });
  it('the tested revision is what the checkout got, else what was asked for', () => {
    expect(testedRevision(build({ properties: { got_revision: 'def' } }))).toBe('def');
    expect(testedRevision(build({}))).toBe('a'.repeat(40));
  });
});
