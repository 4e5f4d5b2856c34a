import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEMO_AUTHORS = ['Brian Warner <warner@example.org>', 'Zooko Wilcox <zooko@example.org>'] as const;

/** The demo's sample project: a build script and a test script that writes TAP results. */
const FILES: Record<string, string> = {
  'README.md': '# sample\n\nA tiny project that bb builds in its demo.\n',
  'build.sh': '#!/bin/sh\nset -e\necho "compiling sample"\nmkdir -p out\ncat src/*.txt > out/sample.txt\necho "built $(wc -l < out/sample.txt) lines"\n',
  'test.sh': [
    '#!/bin/sh',
    '# Each line of src/*.txt is a test: a line containing FAIL fails.',
    'n=0; failed=0; : > test-results.tap',
    'for line in $(cat src/*.txt); do',
    '  n=$((n+1))',
    '  case "$line" in *FAIL*) echo "not ok $n - $line" >> test-results.tap; failed=$((failed+1));;',
    '  *) echo "ok $n - $line" >> test-results.tap;; esac',
    'done',
    'printf "1..%s\\n" "$n" | cat - test-results.tap > t.tmp && mv t.tmp test-results.tap',
    'cat test-results.tap',
    'test "$failed" -eq 0',
    '',
  ].join('\n'),
  'src/parser.txt': 'parses_empty\nparses_nested\n',
  'src/net.txt': 'connects\nreconnects\n',
  'docs/guide.md': '# Guide\n',
};

export class SampleRepo {
  private tick = 0;
  constructor(readonly dir: string) {}

  static create(dir: string): SampleRepo {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const repo = new SampleRepo(dir);
    repo.git('init', '-q', '-b', 'main');
    repo.commit(DEMO_AUTHORS[0], FILES, 'initial import of the sample project');
    return repo;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null' },
    }).trim();
  }

  commit(author: string, files: Record<string, string>, message: string): string {
    const m = /^(.*?)\s*<([^>]*)>$/.exec(author);
    const [name, email] = m ? [m[1]!, m[2]!] : [author, 'demo@example.org'];
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      this.git('add', '--', path);
    }
    this.tick += 1;
    execFileSync('git', ['commit', '-q', '-m', message], {
      cwd: this.dir,
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_SYSTEM: '/dev/null',
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
      },
    });
    return this.git('rev-parse', 'HEAD');
  }
}

/** The scripted story the demo plays: work, a breaking change, a docs change, the fix. */
export const DEMO_STORY: Array<{ author: string; files: Record<string, string>; message: string }> = [
  { author: DEMO_AUTHORS[1], files: { 'src/parser.txt': 'parses_empty\nparses_nested\nparses_unicode\n' }, message: 'parser: handle unicode' },
  { author: DEMO_AUTHORS[0], files: { 'src/net.txt': 'connects\nreconnects\ntimeouts_FAIL\n' }, message: 'net: add timeouts (breaks a test)' },
  { author: DEMO_AUTHORS[1], files: { 'docs/guide.md': '# Guide\n\nHow to run the sample.\n' }, message: 'docs: how to run' },
  { author: DEMO_AUTHORS[0], files: { 'src/net.txt': 'connects\nreconnects\ntimeouts\n' }, message: 'net: fix the timeout test' },
];
