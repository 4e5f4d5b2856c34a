import type { LocatedProblem } from '../issues.js';
import { names, type RawRecord } from '../raw.js';

/** `packages.builder` and the builders of `tiers.owners` name configured builders. */
export function checkPackages(config: RawRecord): LocatedProblem[] {
  const builders = names(config, 'builders');
  const problems: LocatedProblem[] = [];
  const known = `(known: ${builders.join(', ') || 'none'})`;
  const pkg = config.packages;
  if (pkg && typeof pkg === 'object' && typeof (pkg as RawRecord).builder === 'string' && !builders.includes((pkg as RawRecord).builder as string)) {
    problems.push({ at: ['packages', 'builder'], message: `unknown builder ${JSON.stringify((pkg as RawRecord).builder)} ${known}` });
  }
  const tiers = config.tiers;
  const owners = tiers && typeof tiers === 'object' ? (tiers as RawRecord).owners : undefined;
  if (owners && typeof owners === 'object') {
    for (const b of Object.keys(owners)) if (!builders.includes(b)) problems.push({ at: ['tiers', 'owners', b], message: `unknown builder ${JSON.stringify(b)} ${known}` });
  }
  return problems;
}
