import { describe, expect, it } from 'vitest';
import { stepDefaults, stepSpecSchema } from '../../src/model/steps.js';
import { BuildOutcome, haltsBuild, stepContribution } from '../../executor/results.js';

const flunk = { haltOnFailure: false, flunkOnFailure: true, warnOnFailure: false };
const warn = { haltOnFailure: false, flunkOnFailure: false, warnOnFailure: true };
const neither = { haltOnFailure: false, flunkOnFailure: false, warnOnFailure: false };

describe('executor result combination', () => {
  it('counts a failure by the step flags', () => {
    expect(stepContribution('FAILURE', flunk)).toBe('FAILURE');
    expect(stepContribution('FAILURE', { ...warn, flunkOnFailure: true })).toBe('FAILURE');
    expect(stepContribution('FAILURE', warn)).toBe('WARNINGS');
    expect(stepContribution('FAILURE', neither)).toBe('SUCCESS');
  });

  it('always counts exceptions and retries, never skips', () => {
    expect(stepContribution('EXCEPTION', neither)).toBe('EXCEPTION');
    expect(stepContribution('RETRY', neither)).toBe('RETRY');
    expect(stepContribution('SKIPPED', flunk)).toBe('SUCCESS');
    expect(stepContribution('SUCCESS', flunk)).toBe('SUCCESS');
  });

  it('halts on a halting failure or an exception', () => {
    expect(haltsBuild('FAILURE', { ...flunk, haltOnFailure: true })).toBe(true);
    expect(haltsBuild('FAILURE', flunk)).toBe(false);
    expect(haltsBuild('EXCEPTION', neither)).toBe(true);
    expect(haltsBuild('RETRY', neither)).toBe(true);
    expect(haltsBuild('SUCCESS', { ...flunk, haltOnFailure: true })).toBe(false);
  });

  it('takes the worst contribution over the steps and names the culprits', () => {
    const o = new BuildOutcome();
    o.add('checkout', 'SUCCESS', flunk);
    o.add('lint', 'FAILURE', warn);
    expect(o.result).toBe('WARNINGS');
    expect(o.text()).toBe('warnings lint');
    o.add('flaky', 'FAILURE', neither);
    o.add('test', 'FAILURE', flunk);
    expect(o.result).toBe('FAILURE');
    o.add('upload', 'EXCEPTION', flunk);
    expect(o.result).toBe('EXCEPTION');
    expect(o.text()).toBe('exception lint, test, upload');
    expect(new BuildOutcome().text()).toBe('build successful');
    const ex = new BuildOutcome();
    ex.add('checkout', 'EXCEPTION', flunk, 'revision not found: abc is not in /r after fetching');
    expect(ex.text()).toBe('exception checkout: revision not found: abc is not in /r after fetching');
  });

  it('uses the model defaults: checkout halts, shell does not', () => {
    const checkout = stepSpecSchema.parse({ type: 'checkout' });
    const shell = stepSpecSchema.parse({ type: 'shell', command: 'make' });
    expect(stepDefaults(checkout)).toEqual({ haltOnFailure: true, flunkOnFailure: true, warnOnFailure: false });
    expect(haltsBuild('FAILURE', stepDefaults(checkout))).toBe(true);
    expect(haltsBuild('FAILURE', stepDefaults(shell))).toBe(false);
  });
});
