import type { z } from 'zod';

/**
 * The one user-facing error of an action (force, stop, try, a scheduler switch, user control,
 * ack, demote, …): the request was understood and refused, and the message says why to the person
 * who asked, in chat, on the command line or on a web page. Anything else an action throws is a
 * bug or an outage, logged and answered with a fixed phrase. The older per-area names
 * (ForceError, StopError, TierError, …) are this type.
 */
export class ActionError extends Error {}

/** A request that does not parse, said in one line: `path: problem; path: problem`. */
export function inputProblem(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
}
