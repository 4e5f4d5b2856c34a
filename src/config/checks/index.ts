import type { LocatedProblem } from '../issues.js';
import type { RawRecord } from '../raw.js';
import { checkBranches } from './branches.js';
import { checkChat } from './chat.js';
import { checkDependents } from './dependent.js';
import { checkGlobs } from './globs.js';
import { checkUniqueNames } from './names.js';
import { checkReferences } from './references.js';
import { checkSteps } from './steps.js';
import { checkTimedSchedulers } from './timed.js';
import { checkUsers } from './users.js';
import { checkPackages } from './packages.js';
import { checkProperties } from './properties.js';
import type { Check } from './types.js';

/** The checks that span more than one option, run after the schema (secrets are read separately). */
export const CROSS_CHECKS: readonly Check[] = [checkUniqueNames, checkReferences, checkSteps, checkBranches, checkGlobs, checkChat, checkDependents, checkTimedSchedulers, (c) => checkUsers(c), checkPackages, checkProperties];

export function crossCheck(config: RawRecord): LocatedProblem[] {
  return CROSS_CHECKS.flatMap((check) => check(config));
}
