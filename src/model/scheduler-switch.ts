/** A scheduler switched on or off, and by whom. */
export interface SchedulerSwitch {
  scheduler: string;
  enabled: boolean;
  /** Who switched it: `cli:<unix user>`, a chat identity, … */
  by: string;
  /** Epoch ms. */
  at: number;
  reason?: string;
}

/** Why a scheduler is off, as stored. */
export type DisabledRecord = Omit<SchedulerSwitch, 'scheduler' | 'enabled'>;
