import { z } from 'zod';

/**
 * Build steps as the master config writes them and as a job carries them to an executor.
 * Strings in `command`, `workdir` and `env` values may contain property references written
 * `%(prop:NAME)` or `%(prop:NAME:-DEFAULT)`; the executor fills them in just before the step runs,
 * so a later step can use `%(prop:got_revision)` set by the checkout.
 */
const commonStep = {
  /** Shown in status and logs; unique within a builder. Defaults to the step type or the command's first word. */
  name: z.string().min(1).max(100).optional(),
  /** Stop the build when this step fails. Default: true for checkout, false otherwise. */
  haltOnFailure: z.boolean().optional(),
  /** The build fails when this step fails. Default true. */
  flunkOnFailure: z.boolean().optional(),
  /** The build gets WARNINGS (not FAILURE) when this step fails. Default false. */
  warnOnFailure: z.boolean().optional(),
  /** Seconds before the step's whole process tree is killed. Default 1200 (20 minutes). */
  timeoutSec: z.number().positive().max(7 * 24 * 3600).optional(),
};

export const checkoutStepSchema = z.object({
  type: z.literal('checkout'),
  ...commonStep,
  /**
   * `incremental` reuses the work tree (fetch, then reset and clean), `full` wipes untracked and
   * ignored files too, `clobber` deletes the work tree and clones anew. Default `incremental`.
   */
  mode: z.enum(['incremental', 'full', 'clobber']).default('incremental'),
  /** Repository URL or path; defaults to the source stamp's repository. */
  repository: z.string().min(1).optional(),
});

export const testResultsSchema = z.object({
  format: z.enum(['junit', 'tap']),
  /** Path of the results file relative to the step's workdir. */
  path: z.string().min(1),
});

export const shellStepSchema = z.object({
  type: z.literal('shell'),
  ...commonStep,
  /** A string runs through /bin/sh -c; an array runs the program directly with those arguments. */
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  /** Relative to the build's work tree. Default: the work tree itself. */
  workdir: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Parse this file after the command and store its test cases with the build. */
  testResults: testResultsSchema.optional(),
});

export const stepSpecSchema = z.discriminatedUnion('type', [checkoutStepSchema, shellStepSchema]);
export type StepSpec = z.output<typeof stepSpecSchema>;
export type StepSpecInput = z.input<typeof stepSpecSchema>;
export type CheckoutStepSpec = z.output<typeof checkoutStepSchema>;
export type ShellStepSpec = z.output<typeof shellStepSchema>;

export function stepName(step: StepSpec, index: number): string {
  if (step.name) return step.name;
  if (step.type === 'checkout') return 'checkout';
  const first = Array.isArray(step.command) ? step.command[0] : step.command.trim().split(/\s+/)[0];
  return first ? `${first}` : `step-${index}`;
}

export function stepDefaults(step: StepSpec): { haltOnFailure: boolean; flunkOnFailure: boolean; warnOnFailure: boolean } {
  return {
    haltOnFailure: step.haltOnFailure ?? step.type === 'checkout',
    flunkOnFailure: step.flunkOnFailure ?? true,
    warnOnFailure: step.warnOnFailure ?? false,
  };
}
