import { defineConfig } from '../src/config/define.js';

/**
 * bb on one machine (`bb demo`): one sample repository, one executor, two builders.
 *
 * - `linux` builds and tests the sample; changes that only touch documentation do not start it.
 * - `docs` checks the documentation; only documentation changes start it.
 *
 * Both follow `main` with a two-second tree-stable timer, and both can be forced from chat.
 * Environment: BB_DEMO_REPO (the sample repository; default `.bb-demo/sample`) and
 * BB_DEMO_SECRET (the executor's shared secret, at least 16 characters; `bb demo` makes one up).
 * The web pages are served on 127.0.0.1:BB_DEMO_PORT (default 8010; `bb demo` picks a free port when
 * that one is taken) and announcements link there.
 */
const port = Number(process.env.BB_DEMO_PORT ?? 8010);

export default defineConfig({
  title: 'bb demo',
  titleUrl: `http://127.0.0.1:${port}`,
  http: { host: '127.0.0.1', port },
  repositories: [
    {
      name: 'sample',
      url: process.env.BB_DEMO_REPO ?? '.bb-demo/sample',
      project: 'sample',
      branches: ['main'],
      pollInterval: 2,
    },
  ],
  executors: [{ name: 'local', secretEnv: 'BB_DEMO_SECRET', maxBuilds: 2 }],
  builders: [
    {
      name: 'linux',
      description: 'builds the sample and runs its tests',
      executors: ['local'],
      steps: [
        { type: 'checkout' },
        { type: 'shell', name: 'build', command: 'sh ./build.sh', haltOnFailure: true },
        { type: 'shell', name: 'test', command: 'sh ./test.sh', testResults: { format: 'tap', path: 'test-results.tap' } },
      ],
    },
    {
      name: 'docs',
      description: 'checks that every documentation page has content',
      executors: ['local'],
      steps: [
        { type: 'checkout' },
        {
          type: 'shell',
          name: 'check-docs',
          command: 'for f in README.md docs/*.md; do test -s "$f" || { echo "empty or missing: $f"; exit 1; }; echo "ok: $f"; done',
        },
      ],
    },
  ],
  schedulers: [
    {
      // A change made only of documentation does not start a linux build (it rides along in the next one).
      type: 'single-branch',
      name: 'trunk',
      branch: 'main',
      treeStableTimer: 2,
      builders: ['linux'],
      fileIsImportant: ['**/*.sh', 'src/**', 'Makefile'],
    },
    {
      type: 'single-branch',
      name: 'trunk-docs',
      branch: 'main',
      treeStableTimer: 2,
      builders: ['docs'],
      fileIsImportant: ['docs/**', '**/*.md'],
    },
    { type: 'force', name: 'force', builders: ['linux', 'docs'] },
  ],
  // The demo's chat is the terminal shell (channel #bb); it hears about failures, fixes and Problems.
  chat: {
    announce: [{ target: 'shell:#bb', events: ['failure', 'recovery', 'problem', 'tiers'] }],
  },
  // The demo has no mail server and its authors are not on chat, so its hassler names the guilty
  // in #bb: at once, then firmer after two minutes, then every five (at most three times).
  problems: {
    hassle: {
      ladder: [
        { after: '0s', to: ['guilty'], via: ['channel'] },
        { after: '2m', to: ['guilty'], via: ['channel'], tone: 'firm' },
      ],
      repeatEvery: '5m',
      maxRepeats: 3,
      quietHours: false,
      channels: ['shell:#bb'],
    },
  },
});
