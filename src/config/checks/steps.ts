import { stepName, stepSpecSchema } from '../../model/steps.js';
import type { LocatedProblem } from '../issues.js';
import { records, stringAt, type RawRecord } from '../raw.js';

/**
 * Step names (given, or derived by `stepName`) are unique within a builder, since status, logs and
 * test results are keyed by them; and no two builders share a work directory.
 */
export function checkSteps(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const workdirs = new Map<string, { index: number; explicit: boolean }>();
  for (const { index: b, value: builder } of records(config, 'builders')) {
    const seen = new Map<string, number>();
    for (const { index: s, value: raw } of records(builder, 'steps')) {
      const parsed = stepSpecSchema.safeParse(raw);
      if (!parsed.success) continue; // the schema reports it
      const name = stepName(parsed.data, s);
      const earlier = seen.get(name);
      if (earlier === undefined) {
        seen.set(name, s);
        continue;
      }
      const named = parsed.data.name !== undefined;
      problems.push({
        at: named ? ['builders', b, 'steps', s, 'name'] : ['builders', b, 'steps', s],
        message: `duplicate step name ${JSON.stringify(name)} (already used by steps[${earlier}]); give ${named ? 'it' : 'the step'} a unique \`name\``,
      });
    }
    const explicit = stringAt(builder, 'workdir') !== undefined;
    const workdir = stringAt(builder, 'workdir') ?? stringAt(builder, 'name');
    if (workdir === undefined) continue;
    const other = workdirs.get(workdir);
    if (other === undefined) workdirs.set(workdir, { index: b, explicit });
    // Two builders of the same name are reported as duplicate names, not again here.
    else if (explicit || other.explicit)
      problems.push({
        at: explicit ? ['builders', b, 'workdir'] : ['builders', b],
        message: `work directory ${JSON.stringify(workdir)} is also used by builders[${other.index}]; set a different \`workdir\``,
      });
  }
  return problems;
}
