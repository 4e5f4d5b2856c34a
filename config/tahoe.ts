import { defineConfig } from '../src/config/define.js';
import type { StepSpecInput } from '../src/model/steps.js';

/**
 * A config in the style of the Tahoe-LAFS buildbot. Its policy: a supported builder that goes red
 * is fixed at once (revert, fix forward, or skip a wrong test), and packages for a revision are
 * made only when every supported platform passed that revision. A builder that cannot be made
 * green soon is demoted to unsupported; it keeps building, but no longer holds packages back.
 *
 * Each build machine's secret comes from the master's environment:
 * TAHOE_SECRET_DEBIAN, TAHOE_SECRET_MAC, TAHOE_SECRET_WINDOWS, TAHOE_SECRET_FREEBSD.
 */

/** Install into a fresh virtualenv, then run the unit tests with JUnit output. */
function pythonBuild(python: string, venvBin: string): StepSpecInput[] {
  return [
    { type: 'checkout', mode: 'full' },
    { type: 'shell', name: 'virtualenv', command: [python, '-m', 'venv', '--clear', 'venv'], haltOnFailure: true },
    { type: 'shell', name: 'install', command: [`${venvBin}/python`, '-m', 'pip', 'install', '--editable', '.[test]'], haltOnFailure: true },
    {
      type: 'shell',
      name: 'unit-tests',
      command: [`${venvBin}/python`, '-m', 'pytest', '--junitxml=test-results.xml', 'src/allmydata/test'],
      timeoutSec: 3600,
      testResults: { format: 'junit', path: 'test-results.xml' },
    },
  ];
}

const unix = pythonBuild('python3', 'venv/bin');

export default defineConfig({
  title: 'Tahoe-LAFS',
  titleUrl: 'https://tahoe-lafs.org/',
  // The master's own ACL user (bb redis-acl --config tahoe.ts prints the users); executors on other
  // hosts get theirs over TLS: --redis rediss://tahoe-exec-<name>:PASSWORD@ci-redis:6380.
  redis: { prefix: 'tahoe', url: process.env.TAHOE_REDIS_URL },
  properties: { project: 'tahoe-lafs' },
  repositories: [
    {
      name: 'tahoe-lafs',
      url: 'https://github.com/tahoe-lafs/tahoe-lafs.git',
      project: 'tahoe-lafs',
      branches: ['master'],
      pollInterval: 300,
    },
  ],
  executors: [
    { name: 'debian-amd64', secretEnv: 'TAHOE_SECRET_DEBIAN', maxBuilds: 2 },
    { name: 'macos-arm64', secretEnv: 'TAHOE_SECRET_MAC' },
    { name: 'windows-x64', secretEnv: 'TAHOE_SECRET_WINDOWS' },
    { name: 'freebsd-amd64', secretEnv: 'TAHOE_SECRET_FREEBSD' },
  ],
  builders: [
    // Supported platforms: each of them red stops packages for every platform.
    { name: 'linux', category: 'platform', description: 'Debian, amd64', executors: ['debian-amd64'], steps: unix },
    { name: 'mac', category: 'platform', description: 'macOS, arm64', executors: ['macos-arm64'], steps: unix },
    {
      name: 'windows',
      category: 'platform',
      description: 'Windows, x64',
      executors: ['windows-x64'],
      steps: pythonBuild('py', 'venv/Scripts'),
    },
    // Demoted: it has been red for reasons outside Tahoe, so it no longer gates packages.
    {
      name: 'freebsd',
      category: 'platform',
      description: 'FreeBSD, amd64 (demoted until its Python is fixed)',
      tier: 'unsupported',
      executors: ['freebsd-amd64'],
      steps: unix,
    },
    // Makes the source tarball and the wheel. It produces packages rather than gating them, so
    // its own tier is unsupported; the packaging gate looks at the supported platform builders.
    {
      name: 'package',
      category: 'packaging',
      description: 'sdist and wheel, published only when every supported platform passed',
      tier: 'unsupported',
      executors: ['debian-amd64'],
      steps: [
        { type: 'checkout', mode: 'clobber' },
        // The gate starts it with `packaged_revision` and `package_dir` (from `packages.dir`) set:
        // each revision's packages land in a directory named after it.
        {
          type: 'shell',
          name: 'dists',
          command: ['python3', '-m', 'build', '--sdist', '--wheel', '--outdir', '%(prop:package_dir:-dist)/%(prop:packaged_revision:-unreleased)'],
        },
        { type: 'shell', name: 'list-dists', command: 'ls -lR %(prop:package_dir:-dist)' },
      ],
    },
  ],
  // Packages for a revision are made only when every builder supported at that moment passed it.
  packages: { builder: 'package', dir: 'dist' },
  // Who hears about demotions of their platform, and when the channel is nudged to demote.
  tiers: { owners: { windows: ['zooko'], mac: ['warner'] }, suggestDemotionAfter: '24h' },
  // Problems: who owns what, the sheriff rotation (one per ISO week), who wants to hear of which builder.
  problems: {
    owners: [{ paths: ['src/allmydata/storage/**'], users: ['warner'] }, { paths: ['src/allmydata/web/**'], users: ['meejah'] }],
    sheriff: ['warner', 'zooko', 'meejah'],
    interested: { windows: ['zooko'] },
    // The hassler (this is also the default ladder): a DM to the guilty at once; after 30 minutes a
    // firmer DM and a mention in the channel; after 2 hours email to the guilty and the sheriff; after
    // 10 hours, and every 8 hours after that (at most 6 times), email to everyone responsible.
    // DMs go where the person is active on chat, else by email. Nobody is reminded in their quiet
    // hours (default 22:00-08:00 in their time zone, `bb user set NAME --time-zone …`) except by a
    // level with `overridesQuietHours: true`.
    hassle: {
      ladder: [
        { after: '0s', to: ['guilty'], via: ['dm'], tone: 'gentle' },
        { after: '30m', to: ['guilty'], via: ['dm', 'channel'], tone: 'firm' },
        { after: '2h', to: ['guilty', 'sheriff'], via: ['email'], tone: 'urgent' },
        { after: '10h', to: ['responsible'], via: ['email'], tone: 'urgent' },
      ],
      repeatEvery: '8h',
      maxRepeats: 6,
      ackPause: '4h',
      idleAfter: '15m',
      quietHours: { from: '22:00', to: '08:00' },
      timeZone: 'America/Denver',
    },
  },
  schedulers: [
    {
      // Code changes on master wait for a minute of quiet, then build everywhere together.
      type: 'single-branch',
      name: 'trunk',
      branch: 'master',
      treeStableTimer: 60,
      builders: ['linux', 'mac', 'windows', 'freebsd'],
      fileIsImportant: ['src/**', 'setup.py', 'setup.cfg', 'pyproject.toml', 'misc/build_helpers/**'],
    },
    {
      // Feature branches get a quick check on the main platform only.
      type: 'any-branch',
      name: 'branches',
      treeStableTimer: 300,
      builders: ['linux'],
      filter: { branch: (branch) => branch !== undefined && branch !== 'master' },
      fileIsImportant: ['!docs/**'],
      priority: -10,
    },
    { type: 'force', name: 'force', builders: ['linux', 'mac', 'windows', 'freebsd', 'package'] },
  ],
});
