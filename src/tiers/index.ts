export { TierService, type TierServiceOptions } from './service.js';
export { TierError, noProblems, waitingLine, type TiersApi, type ProblemsSource, type PackageWait } from './model.js';
export { fullTierLines, packageLines, readTiers, tierLine, tierSummary } from './describe.js';
export type { Tier, TierOverride, BuilderHealth, PackageRecord, TreeState } from '../model/tier.js';
export { parseDuration, formatDuration, formatSpan } from '../model/duration.js';
export { showRev } from './packages.js';
