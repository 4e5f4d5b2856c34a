import { join } from 'node:path';
import type { Store } from '../../src/data/store.js';
import { writeTestConfig } from './config.js';
import { SECRET_A } from './pipeline.js';
import { smtpSettings } from './smtp.js';

/**
 * The starting point of the tests of reminders across master restarts and failovers: a config with
 * one builder `linux` (executor `a`), mail through the test SMTP server on `smtpPort`, and quiet
 * hours off (they run on the real clock, whenever the suite runs). Returns the config file's path.
 */
export function writeHassleConfig(dir: string, prefix: string, smtpPort: number): string {
  return writeTestConfig(dir, {
    redis: { prefix },
    basedir: join(dir, 'master'),
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'true' }] }],
    users: { smtp: smtpSettings(smtpPort) },
    problems: { hassle: { quietHours: false } },
  });
}

/**
 * User warner (mail only) and Problem #1, confirmed and blaming warner, as the detector leaves it
 * (its own tests cover detection). Returns warner's address.
 */
export async function seedConfirmedProblem(store: Store, prefix: string): Promise<string> {
  const email = `warner-${prefix}@example.org`;
  await store.users.put({ name: 'warner', fullName: 'Brian Warner', emails: [email], authors: [], createdAt: Date.now() });
  await store.problems.create({
    key: 'test|sample.net|reconnects@abcdef0123456789', state: 'confirmed',
    subjects: [{ kind: 'test', suite: 'sample.net', name: 'reconnects' }],
    builders: [{ builder: 'linux', firstBadBuildId: 2, firstBadNumber: 2, lastGoodBuildId: 1 }],
    firstBadRevision: 'abcdef0123456789', lastGoodRevision: '0123456789abcdef', openedAt: Date.now(), confirmedAt: Date.now(),
    guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
  });
  return email;
}
