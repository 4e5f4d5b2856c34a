/**
 * At most `max` lines: when there are more, the first `max - 1` and a last line saying how many
 * were left out and where to read them (`… 26 more lines: <hint>`).
 */
export function capLines(lines: string[], max: number, hint?: string): string[] {
  const limit = Math.max(1, Math.floor(max));
  if (lines.length <= limit) return lines;
  const kept = lines.slice(0, limit - 1);
  const more = lines.length - kept.length;
  return [...kept, `… ${more} more lines${hint ? `: ${hint}` : ''}`];
}
