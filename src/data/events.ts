import { EventEmitter } from 'node:events';
import type { Change } from '../model/change.js';
import type { Build, BuildRequest, BuildSet } from '../model/build.js';
import type { ExecutorAnnouncement, ExecutorRecord, RefusedExecutor } from '../model/records.js';
import type { HassleEntry } from '../model/hassle.js';
import type { Problem } from '../model/problem.js';

/** Every event the write path publishes, with the stored record it carries. */
export interface DataEvents {
  'change.new': [Change];
  'buildset.new': [BuildSet, BuildRequest[]];
  'request.pending': [BuildRequest];
  'build.new': [Build];
  'build.started': [Build];
  'build.step': [Build, number];
  'build.log': [Build, number, string];
  'build.finished': [Build];
  'buildset.complete': [BuildSet];
  /** With the announcement its write made due (the announcer takes it). */
  'executor.connected': [ExecutorRecord, ExecutorAnnouncement?];
  'executor.lost': [ExecutorRecord, string, ExecutorAnnouncement?];
  /** A process under an executor's name was refused (wrong secret, or replaced by a newer process). */
  'executor.refused': [RefusedExecutor, ExecutorAnnouncement?];
  /** A Problem was confirmed by a failing rerun (src/problems/). The hassler subscribes. */
  'problem.opened': [Problem];
  /** A suspected Problem passed on its confirming rerun: a flaky test, never hassled. */
  'problem.flaky': [Problem];
  /** A Problem passes again on every builder it failed on. */
  'problem.resolved': [Problem];
  /** Someone acked, snoozed, said `not me`, or watched a Problem. */
  'problem.changed': [Problem];
  /** A line of a Problem's reminder log was written (a reminder sent, held, paused, capped or failed). */
  'hassle.recorded': [number, HassleEntry];
}

export class DataBus {
  private readonly shared: { ee: EventEmitter; emitted: number };
  /** A scope's own listeners (removed by `close()`); null on the root bus. */
  private readonly mine: Array<() => void> | null;
  private closed = false;

  constructor(parent?: DataBus) {
    this.shared = parent ? parent.shared : { ee: new EventEmitter(), emitted: 0 };
    this.shared.ee.setMaxListeners(200);
    this.mine = parent ? [] : null;
  }

  on<K extends keyof DataEvents>(event: K, fn: (...args: DataEvents[K]) => void): () => void {
    if (this.closed) return () => undefined;
    const ee = this.shared.ee;
    ee.on(event, fn as (...args: unknown[]) => void);
    const off = () => void ee.off(event, fn as (...args: unknown[]) => void);
    this.mine?.push(off);
    return off;
  }

  /** How many events were published so far (master.settled() waits until it stops moving). */
  get emitted(): number {
    return this.shared.emitted;
  }

  emit<K extends keyof DataEvents>(event: K, ...args: DataEvents[K]): void {
    this.shared.emitted += 1;
    this.shared.ee.emit(event, ...args);
  }

  /**
   * The same bus, whose listeners can all be removed at once with `close()`: what the leader's
   * parts of one leadership term subscribe through (src/master-lead.ts).
   */
  scope(): DataBus {
    return new DataBus(this);
  }

  /** Removes every listener added through this scope; later `on` calls add nothing. */
  close(): void {
    this.closed = true;
    for (const off of this.mine?.splice(0) ?? []) off();
  }
}
