import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/config/errors.js';
import { resolveHttpSecrets } from '../../src/config/http-secrets.js';

const SECRET = 'a-secret-of-enough-length';
const base = (extra: Record<string, unknown>) => ({
  executors: [{ name: 'a', secret: SECRET }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  ...extra,
});

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}) {
  try {
    validateConfig(raw, { file: 'master.ts', baseDir: '/tmp', env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  return [];
}

describe('periodic and nightly scheduler checks', () => {
  it('accepts a periodic and a nightly scheduler', () => {
    expect(
      problems(
        base({
          schedulers: [
            { type: 'periodic', name: 'hourly', builders: ['linux'], periodicBuildTimer: 3600 },
            { type: 'nightly', name: 'nightly', builders: ['linux'], branch: 'main', hour: 3, minute: [0, 30], dayOfWeek: [1, 2, 3, 4, 5], timezone: 'Europe/Berlin', onlyIfChanged: true },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('names the field: an unknown zone (with a suggestion), out-of-range fields, a date that never comes, bad branches', () => {
    const found = problems(
      base({
        schedulers: [
          { type: 'nightly', name: 'n1', builders: ['linux'], branch: 'main', timezone: 'Europe/Berln' },
          { type: 'nightly', name: 'n2', builders: ['linux'], branch: 'main', hour: 24, dayOfWeek: [1, 7], month: 0 },
          { type: 'nightly', name: 'n3', builders: ['linux'], branch: 'main', dayOfMonth: 31, month: [2, 4] },
          { type: 'nightly', name: 'n4', builders: ['linux'], branch: '--upload-pack=x' },
          { type: 'periodic', name: 'p1', builders: ['linux'], periodicBuildTimer: 60, branch: 'a..b' },
        ],
      }),
    );
    expect(found).toEqual([
      { path: 'schedulers[0].timezone', message: expect.stringContaining('unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)') },
      { path: 'schedulers[1].hour', message: "24 is out of range: hour takes 0-23, a list of those, or '*'" },
      { path: 'schedulers[1].month', message: "0 is out of range: month takes 1-12 (1 is January), a list of those, or '*'" },
      { path: 'schedulers[1].dayOfWeek', message: "7 is out of range: dayOfWeek takes 0-6 (0 is Sunday), a list of those, or '*'" },
      { path: 'schedulers[2].dayOfMonth', message: expect.stringContaining('the fields never match a date') },
      { path: 'schedulers[3].branch', message: expect.stringContaining('"--upload-pack=x" is not a valid branch name') },
      { path: 'schedulers[4].branch', message: expect.stringContaining('"a..b" is not a valid branch name') },
    ]);
  });
});

describe('webhook secrets', () => {
  const http = (webhooks: Record<string, unknown>) => base({ http: { port: 8010, webhooks } });

  it('reads values and environment variables', () => {
    const raw = http({ github: { secret: { env: 'GH_HOOK' } }, gitlab: { token: { value: 'gitlab-token-0123456789' } }, generic: { secret: { value: SECRET } } });
    expect(problems(raw, { GH_HOOK: ' github-secret-0123456789 \n' })).toEqual([]);
    const { config } = validateConfig(raw, { file: 'm.ts', baseDir: '/tmp', env: { GH_HOOK: 'github-secret-0123456789' } });
    const secrets = resolveHttpSecrets(config, { GH_HOOK: ' github-secret-0123456789 \n' });
    expect(Object.fromEntries(secrets)).toEqual({ github: 'github-secret-0123456789', gitlab: 'gitlab-token-0123456789', generic: SECRET });
  });

  it('a missing variable, a short secret or both forms given are errors with their path', () => {
    const found = problems(
      http({ github: { secret: { env: 'GH_HOOK' } }, gitlab: { token: { value: 'short' } }, generic: { secret: { value: SECRET, env: 'X' } } }),
    );
    expect(found).toEqual([
      { path: 'http.webhooks.github.secret.env', message: "environment variable GH_HOOK is not set; set it to the github webhook's secret before starting the master" },
      { path: 'http.webhooks.gitlab.token.value', message: expect.stringContaining("the gitlab webhook's token has 5 characters; use at least 16") },
      { path: 'http.webhooks.generic.secret', message: expect.stringContaining('give exactly one of value or env (found both)') },
    ]);
  });
});
