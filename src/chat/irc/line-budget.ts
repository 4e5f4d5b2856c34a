/** What the server told about its limits (ISUPPORT), or the usual values. */
export interface ServerLimits {
  lineLen: number;
  nickLen: number;
  userLen: number;
  hostLen: number;
}

export const DEFAULT_LIMITS: ServerLimits = { lineLen: 512, nickLen: 30, userLen: 10, hostLen: 64 };

/**
 * Bytes of text that fit in one `COMMAND target :text` line as the server relays it to others:
 * the line limit less CR LF and the `:nick!~user@host ` prefix it adds, at their longest.
 */
export function textBudget(command: string, target: string, limits: ServerLimits, max?: number): number {
  const prefix = 1 + limits.nickLen + 2 + limits.userLen + 1 + limits.hostLen + 1;
  const budget = limits.lineLen - 2 - prefix - command.length - 1 - Buffer.byteLength(target) - 2;
  return Math.max(32, Math.min(budget, max ?? Number.POSITIVE_INFINITY));
}

/** A nick or channel that cannot smuggle a second parameter or command into the line. */
export function isSafeTarget(target: string): boolean {
  return target.length > 0 && !target.startsWith(':') && !/[\s,\0\x01]/.test(target);
}
