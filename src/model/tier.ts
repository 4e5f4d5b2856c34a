/** Run-time tiers, packages and the tree. Pure types. */

export type Tier = 'supported' | 'unsupported';

/** A run-time change of a builder's tier (`demote`, `promote`); absent means the config's tier. */
export interface TierOverride {
  builder: string;
  tier: Tier;
  by: string;
  reason?: string;
  at: number;
  /** Epoch ms when a demotion ends by itself (the builder is promoted back). */
  until?: number;
}

/** Whether a builder's latest finished build is good, and since when it has been so. */
export interface BuilderHealth {
  builder: string;
  tier: Tier;
  override?: TierOverride;
  /** `none`: no finished build yet. */
  state: 'green' | 'red' | 'none';
  /** When the current streak began (finish time of its first build). */
  since?: number;
  /** Revision of the first build of a red streak. */
  sinceRevision?: string;
  /** The packages builder (`packages.builder`): it makes the packages and never gates them. */
  packages?: true;
}

/** A package made (or being made) for a revision, and the builds that vouched for it. */
export interface PackageRecord {
  revision: string;
  /** `builder#number` of each supported builder's good build of the revision. */
  vouchers: string[];
  at: number;
  buildsetId: number;
  /** The package build, once it has ended. */
  build?: { number: number; result: string; finishedAt?: number };
}

export interface TreeState {
  open: boolean;
  /** Why it is closed: the admin's reason, and open Problems on supported builders. */
  reasons: string[];
  /** Who can open it: the admin who closed it, the guilty of the Problems. */
  responsible: string[];
}

/**
 * A tiers line to say (packages halted or resumed, a demotion suggested or expired, a `demote`,
 * `promote` or `tree close|open`), stored with the state change that calls for it and removed once
 * it is in the outbox. `id` names the change (`halted:<builders>:<since>`): the same change
 * decided twice is one line, and one Matrix event.
 */
export interface TierLine {
  id: string;
  text: string;
  /** The builder whose owners are named and told. */
  builder?: string;
  at: number;
  /** A channel not told (a command's: the reply said it there). */
  skip?: string;
}
