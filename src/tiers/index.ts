export { TierService, type TierServiceOptions } from './service.js';
export { TierError, noProblems, type TiersApi, type ProblemsSource, type Tier, type TierOverride, type BuilderHealth, type PackageRecord, type TreeState } from './model.js';
export { parseDuration, formatSpan } from './duration.js';
export { showRev } from './packages.js';
