import { worst, type Result } from '../src/model/results.js';

/** The flags of `stepDefaults` that decide what a step's result does to its build. */
export interface StepFlags {
  haltOnFailure: boolean;
  flunkOnFailure: boolean;
  warnOnFailure: boolean;
}

/**
 * What one finished step adds to its build's result. A FAILURE counts as FAILURE with
 * flunkOnFailure, as WARNINGS with warnOnFailure (and not flunk), and not at all otherwise.
 * EXCEPTION, RETRY and CANCELLED always count; SKIPPED and SUCCESS never do.
 */
export function stepContribution(result: Result, flags: StepFlags): Result {
  switch (result) {
    case 'FAILURE':
      if (flags.flunkOnFailure) return 'FAILURE';
      return flags.warnOnFailure ? 'WARNINGS' : 'SUCCESS';
    case 'WARNINGS':
      return flags.flunkOnFailure || flags.warnOnFailure ? 'WARNINGS' : 'SUCCESS';
    case 'EXCEPTION':
    case 'RETRY':
    case 'CANCELLED':
      return result;
    default:
      return 'SUCCESS';
  }
}

/** Whether the build stops after this step: a halting failure, or anything worse than a failure. */
export function haltsBuild(result: Result, flags: StepFlags): boolean {
  if (result === 'EXCEPTION' || result === 'RETRY' || result === 'CANCELLED') return true;
  return result === 'FAILURE' && flags.haltOnFailure;
}

/** Accumulates a build's result over its steps and names the steps that made it so. */
export class BuildOutcome {
  result: Result = 'SUCCESS';
  private readonly blamed: string[] = [];

  /** Text of the first step that raised an exception. */
  private exceptionText?: string;

  add(stepName: string, stepResult: Result, flags: StepFlags, stepText?: string): void {
    const c = stepContribution(stepResult, flags);
    if (c !== 'SUCCESS') this.blamed.push(stepName);
    if (stepResult === 'EXCEPTION' && stepText && this.exceptionText === undefined) this.exceptionText = stepText;
    this.result = worst(this.result, c);
  }

  /** A short summary for build-finished, such as "failed compile, test" or "exception checkout: revision not found: …". */
  text(): string {
    if (this.result === 'SUCCESS') return 'build successful';
    if (this.result === 'EXCEPTION' && this.exceptionText) return `exception ${this.blamed.join(', ')}: ${this.exceptionText}`;
    const word: Partial<Record<Result, string>> = { WARNINGS: 'warnings', FAILURE: 'failed', EXCEPTION: 'exception' };
    return `${word[this.result] ?? this.result.toLowerCase()} ${this.blamed.join(', ')}`.trim();
  }
}
