import { hostname } from 'node:os';
import { Command } from 'commander';
import type { ReconfigOutcome } from '../../master-reconfig.js';
import type { Store } from '../../data/store.js';
import type { ReconfigReport } from '../../data/reconfig.js';
import { beatGone, liveMasters, type MasterBeat } from '../../data/lease.js';
import { addConnOptions, CliError, connPrefix, openStore, type ConnOptions } from '../connect.js';

const WAIT_MS = 120_000;
const POLL_MS = 200;

/** What became of one master's reload. */
type Answer = { beat: MasterBeat; report: ReconfigReport<ReconfigOutcome> | null; why?: string };

/**
 * `bb reconfig`: every running master, leader and standbys, reads its config file again and
 * applies it (as SIGHUP does); each says what it did, and a master that refuses the file keeps
 * the config it runs (README "Changing the config without a restart", "Running several masters").
 */
export function reconfigCommand(): Command {
  return addConnOptions(
    new Command('reconfig').description(
      'make every running master (leader and standbys) read its config file again and apply it without a restart; each reports what it did (a config that fails the check is refused and the old one keeps running)',
    ),
  ).action(async (o: ConnOptions) => {
    const { store, close } = await openStore(o);
    let answers: Answer[];
    try {
      answers = await reconfigEveryMaster(store, connPrefix(o));
    } finally {
      close();
    }
    console.log(answers.map(formatAnswer).join('\n'));
    const failed = answers.filter((a) => !a.report?.outcome.ok);
    if (failed.length) {
      throw new CliError(`${failed.length} of ${answers.length} master${answers.length === 1 ? '' : 's'} did not apply the config (see above)`);
    }
  });
}

/** Running masters: heard from lately, and not missing their heartbeats (nor a dead process here). */
async function runningMasters(store: Store): Promise<MasterBeat[]> {
  return (await liveMasters(store)).filter((b) => !beatGone(b));
}

/**
 * Asks every running master, and waits until each has answered, or has stopped (its heartbeats
 * ceased), or WAIT_MS passed.
 */
async function reconfigEveryMaster(store: Store, prefix: string): Promise<Answer[]> {
  const masters = await runningMasters(store);
  if (!masters.length) throw new CliError(`no master is running on prefix "${prefix}" (none has written its heartbeat lately)`);
  const id = await store.reconfig.request(`${hostname()} pid ${process.pid}`);
  const key = (m: { host: string; pid: number }) => `${m.host}:${m.pid}`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const reports = await store.reconfig.reports<ReconfigOutcome>(id);
    const alive = new Set((await runningMasters(store)).map(key));
    const pending = masters.filter((m) => !reports.has(key(m)) && alive.has(key(m)));
    if (!pending.length || Date.now() > deadline) {
      return masters.map((beat) => {
        const report = reports.get(key(beat)) ?? null;
        if (report) return { beat, report };
        return { beat, report, why: alive.has(key(beat)) ? `no answer within ${WAIT_MS / 1000} s` : 'stopped before it answered' };
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function formatAnswer(a: Answer): string {
  const who = `${a.beat.host} pid ${a.beat.pid} (${a.report?.role ?? a.beat.role})`;
  const o = a.report?.outcome;
  if (!o) return `${who}: ${a.why}`;
  if (!o.ok) return `${who}: config reload refused; the running config stays:\n${o.reasons.map((r) => `  ${r}`).join('\n')}`;
  if (!o.changes.length) return `${who}: config reloaded: nothing changed`;
  return `${who}: config reloaded:\n${o.changes.map((c) => `  ${c}`).join('\n')}${o.reconnected.length ? `\n  reconnected: ${o.reconnected.join(', ')}` : ''}`;
}
