export { TierService, type TierServiceOptions } from './service.js';
export { TierError, noProblems, type TiersApi, type ProblemsSource } from './model.js';
export type { Tier, TierOverride, BuilderHealth, PackageRecord, TreeState } from '../model/tier.js';
export { parseDuration, formatDuration, formatSpan } from '../model/duration.js';
export { showRev } from './packages.js';
