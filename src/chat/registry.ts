import type { CommandSpec } from './command.js';

/** Command specs by every name and alias; a duplicate is an error at startup. */
export class CommandRegistry {
  private readonly byName = new Map<string, CommandSpec>();
  readonly specs: readonly CommandSpec[];

  constructor(specs: CommandSpec[]) {
    this.specs = specs;
    for (const spec of specs) {
      for (const n of [spec.name, ...(spec.aliases ?? [])]) {
        const key = n.toLowerCase();
        const other = this.byName.get(key);
        if (other) throw new Error(`chat command name "${n}" is used by both "${other.name}" and "${spec.name}"`);
        this.byName.set(key, spec);
      }
    }
  }

  /** The command whose name matches the most leading words, and how many words that took. */
  match(words: string[]): { spec: CommandSpec; used: number } | null {
    for (let n = Math.min(4, words.length); n >= 1; n--) {
      const spec = this.byName.get(words.slice(0, n).join(' ').toLowerCase());
      if (spec) return { spec, used: n };
    }
    return null;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
