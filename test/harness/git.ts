import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real git repository in a temp dir, with commits by whichever author the test names. */
export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  /** Write files and commit them as `author` ("Full Name <email>"); returns the new commit's sha. */
  commit(author: string, files: Record<string, string>, message?: string): string;
  head(branch?: string): string;
}

export function makeRepo(opts: { branch?: string } = {}): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'bb-repo-'));
  const branch = opts.branch ?? 'main';
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null' } }).trim();
  git('init', '-q', '-b', branch);
  git('config', 'user.name', 'bb test');
  git('config', 'user.email', 'test@bb.invalid');
  git('config', 'commit.gpgsign', 'false');
  let tick = 0;
  return {
    dir,
    git,
    commit(author, files, message) {
      const m = /^(.*?)\s*<([^>]*)>$/.exec(author);
      const [name, email] = m ? [m[1]!, m[2]!] : [author, `${author}@bb.invalid`];
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
        git('add', '--', path);
      }
      tick += 1;
      const date = new Date(Date.UTC(2026, 0, 1) + tick * 60_000).toISOString();
      execFileSync('git', ['commit', '-q', '-m', message ?? `change ${Object.keys(files).join(', ')}`], {
        cwd: dir,
        env: {
          ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null',
          GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email,
          GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
        },
      });
      return git('rev-parse', 'HEAD');
    },
    head(b) {
      return git('rev-parse', b ?? 'HEAD');
    },
  };
}
