/** A periodic or nightly scheduler's clock, as kept in Redis (`db:timed:<name>`). */
export interface TimedState {
  /** The schedule `next` was computed for (period, or cron and zone); a changed config recomputes it. */
  spec?: string;
  /** When it fires next, epoch ms. */
  next?: number;
  /** When it last fired (built or not), epoch ms. Periodic schedulers count from it. */
  lastFire?: number;
  /** When it last made a BuildSet, and which. */
  lastBuild?: number;
  lastBuildset?: number;
}

/** A fire being turned into a BuildSet. Present only between `beginFire` and the BuildSet's transaction. */
export interface Firing {
  at: number;
  /** A nightly's changes taken for this fire (a list of `<changeId>:i|u`). */
  taking?: string;
}
