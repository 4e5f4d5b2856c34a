import type { BuilderHealth, PackageRecord, Tier, TierOverride, TreeState } from '../model/tier.js';
import { ActionError } from '../actions/error.js';
/** Open Problems on a builder, as the tree needs them (src/problems `openProblemsOn`, injected). */
export interface ProblemsSource {
  openOn(builder: string): Promise<Array<{ id: number; tests: string[]; guilty: string[]; firstBadRevision: string }>>;
  /** Every builder's open Problems in one read (the tree with many builders); else `openOn` per builder. */
  openAll?(): Promise<Map<string, Array<{ id: number; tests: string[]; guilty: string[]; firstBadRevision: string }>>>;
}

/** No Problems known: the default when no Problems code is wired. */
export const noProblems: ProblemsSource = { openOn: async () => [] };

/** What chat commands may do with tiers, packages and the tree (BotApi.tiers). */
export interface TiersApi {
  list(): Promise<BuilderHealth[]>;
  /** Throws a TierError with a message for chat (unknown builder, already unsupported). */
  /**
   * `heardIn`: the chat target (`irc:#dev`) where the command was said; its reply already tells
   * that channel, so the announcement skips it (one line there, not two).
   */
  demote(req: { builder: string; by: string; reason: string; forMs?: number; heardIn?: string }): Promise<TierOverride>;
  promote(req: { builder: string; by: string; heardIn?: string }): Promise<Tier>;
  packages(n: number): Promise<PackageRecord[]>;
  /** What the next package waits for: supported builders that have not built the newest revision, and why. */
  waiting(): Promise<PackageWait[]>;
  tree(): Promise<TreeState>;
  closeTree(by: string, reason: string, heardIn?: string): Promise<void>;
  /** False when no admin had closed it. */
  openTree(by: string, heardIn?: string): Promise<boolean>;
}

/** A supported builder that has not built `revision`, the newest one another supported builder finished. */
export interface PackageWait {
  revision: string;
  builder: string;
  /** `executor mac-1 offline since 14:02 UTC`, `building it (mac #12)`, `queued (mac-1 busy)`. */
  why: string;
}

/** `waiting for mac: executor mac-1 offline since 14:02 UTC` (one line for every builder waited for). */
export function waitingLine(waits: PackageWait[], showRev: (rev: string) => string): string | undefined {
  if (!waits.length) return undefined;
  return `The package for ${showRev(waits[0]!.revision)} is waiting for ${waits.map((w) => `${w.builder}: ${w.why}`).join('; ')}.`;
}

export class TierError extends ActionError {}
