/** Split a command line into words; "double" or 'single' quotes group words. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

/**
 * The command text of a message, or null when it is not for the bot. In a channel a message is
 * for the bot when it starts with the bot's name followed by ':' or ','; in a DM every message is,
 * with or without the name. `otherNames` are names the bot also answers to (its IRC nick).
 */
export function addressedText(text: string, botName: string, isDirect: boolean, otherNames: readonly string[] = []): string | null {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  for (const name of [botName, ...otherNames].map((n) => n.toLowerCase())) {
    for (const sep of [':', ',']) {
      if (lower.startsWith(name + sep)) return trimmed.slice(name.length + 1).trim();
    }
  }
  return isDirect ? trimmed : null;
}

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
