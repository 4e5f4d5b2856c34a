/**
 * The nick to try after `attempt` collisions: `bb`, then `bb_`, `bb__`, then `bb` with three
 * random digits, kept within the server's NICKLEN.
 */
export function alternativeNick(base: string, attempt: number, nickLen = 30, random: () => number = Math.random): string {
  if (attempt <= 0) return base.slice(0, nickLen);
  if (attempt <= 2) return base.slice(0, nickLen - attempt) + '_'.repeat(attempt);
  const digits = String(Math.floor(random() * 1000)).padStart(3, '0');
  return base.slice(0, nickLen - 3) + digits;
}
