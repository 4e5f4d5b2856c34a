import { describe, expect, it } from 'vitest';
import { checkoutPlan, REMOTE_HEAD_REF, RefusedInput } from '../../executor/git-args.js';
import { PathError, relativeInside, resolveInside } from '../../executor/paths.js';

const repository = 'https://git.example/repo.git';

describe('executor checkout arguments', () => {
  it('fetches one branch with an explicit refspec and resolves its tip', () => {
    expect(checkoutPlan({ repository, branch: 'feature/x-1' })).toEqual({
      repository,
      refspecs: ['+refs/heads/feature/x-1:refs/remotes/origin/feature/x-1'],
      target: 'refs/remotes/origin/feature/x-1',
    });
  });

  it('resolves a given revision after fetching its branch', () => {
    const rev = 'a'.repeat(40);
    expect(checkoutPlan({ repository, branch: 'main', revision: rev })).toMatchObject({ target: rev, refspecs: ['+refs/heads/main:refs/remotes/origin/main'] });
  });

  it('fetches all heads and the remote HEAD when no branch is given', () => {
    expect(checkoutPlan({ repository, revision: 'abc1234' }).refspecs).toEqual(['+refs/heads/*:refs/remotes/origin/*', `+HEAD:${REMOTE_HEAD_REF}`]);
    expect(checkoutPlan({ repository }).target).toBe(REMOTE_HEAD_REF);
  });

  it.each(['--upload-pack=touch /tmp/pwned', '-x', '-', 'a..b', 'has space', 'x:y', 'ref^{commit}', 'a~1', 'HEAD', '@', 'x.lock', 'x/', '/x', '.hidden', 'a\nb', ''])(
    'refuses branch %j',
    (branch) => {
      expect(() => checkoutPlan({ repository, branch })).toThrow(RefusedInput);
    },
  );

  it.each(['--all', '-1', 'HEAD', 'main', 'abc', 'abcg1234', 'a'.repeat(65), 'deadbeef^{tree}', ' abc1234'])('refuses revision %j', (revision) => {
    expect(() => checkoutPlan({ repository, branch: 'main', revision })).toThrow(RefusedInput);
  });

  it.each(['--upload-pack=x', '-u x', '', 'ext::sh -c touch% /tmp/x', 'fd::17', 'repo\nurl'])('refuses repository %j', (repo) => {
    expect(() => checkoutPlan({ repository: repo, branch: 'main' })).toThrow(RefusedInput);
  });

  it('never emits an argument that starts with "-"', () => {
    for (const branch of ['main', 'release/1.0', 'x-y']) {
      const plan = checkoutPlan({ repository, branch, revision: 'deadbeef' });
      for (const a of [...plan.refspecs, plan.target]) expect(a.startsWith('-')).toBe(false);
    }
  });
});

describe('executor paths', () => {
  it('keeps paths inside the base', () => {
    expect(resolveInside('/b/w', 'src/x')).toBe('/b/w/src/x');
    expect(resolveInside('/b/w', '.')).toBe('/b/w');
    expect(resolveInside('/b/w', 'a/../b')).toBe('/b/w/b');
    expect(relativeInside('/b/w', './sub/')).toBe('sub');
  });

  it('refuses paths that escape', () => {
    expect(() => resolveInside('/b/w', '..')).toThrow(PathError);
    expect(() => resolveInside('/b/w', '../w2')).toThrow(PathError);
    expect(() => resolveInside('/b/w', '/etc')).toThrow(PathError);
    expect(() => resolveInside('/b/w', 'a/../../x')).toThrow(PathError);
  });
});
