import type { LocatedProblem } from '../issues.js';
import type { RawRecord } from '../raw.js';

/** One cross-check: looks at the whole (raw) config and returns what is wrong, never throws. */
export type Check = (config: RawRecord) => LocatedProblem[];
