import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/bb.js';

/** The example systemd units (systemd/): their ExecStart runs bb with options bb really has. */
function unit(name: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of readFileSync(join(ROOT, 'systemd', name), 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) keys.set(m[1]!, m[2]!);
  }
  return keys;
}

function helpOf(command: string): string {
  return spawnSync(process.execPath, [join(ROOT, 'bin/bb.js'), command, '--help'], { encoding: 'utf8' }).stdout;
}

describe('example systemd units', () => {
  for (const [file, command] of [['bb-master.service', 'master'], ['bb-executor@.service', 'executor']] as const) {
    it(`${file}: ExecStart runs bb ${command} with options it knows; a graceful stop signals bb alone`, () => {
      const u = unit(file);
      const argv = u.get('ExecStart')!.split(/\s+/);
      expect(argv.slice(0, 3)).toEqual(['/usr/bin/node', '/opt/bb/bin/bb.js', command]);
      const help = helpOf(command);
      const options = argv.filter((a) => a.startsWith('--'));
      expect(options.length).toBeGreaterThan(0);
      for (const o of options) expect(help).toContain(o);
      expect(u.get('KillMode')).toBe('mixed');
      expect(u.get('KillSignal')).toBe('SIGTERM');
      expect(u.get('Restart')).toBe('on-failure');
      expect(u.get('Environment')).toContain('NODE_OPTIONS=--max-semi-space-size=1');
    });
  }

  it('systemctl reload bb-master sends the master SIGHUP (bb reconfig)', () => {
    expect(unit('bb-master.service').get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('the executor unit gives the hand-back grace period room before systemd kills', () => {
    const u = unit('bb-executor@.service');
    const grace = Number(/--hand-back-after (\d+)/.exec(u.get('ExecStart')!)?.[1]);
    expect(Number(u.get('TimeoutStopSec'))).toBeGreaterThan(grace);
  });
});
