import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import { Kicker } from '../util/mutex.js';
import { resolveAuthor } from './resolve.js';
import type { DeclaredPerson } from '../config/schema-users.js';
import { applyDeclared } from './declared.js';

const BATCH = 500;

/**
 * Makes or matches a User for the author of every stored Change, in id order, behind a cursor in
 * Redis: changes stored while the master was down are caught up on start. The people declared in
 * the config (`users.people`) are merged in first, on start and after each reconfig, so a change
 * by a declared address is that person's.
 */
export class UsersFromChanges {
  private readonly kicker: Kicker;
  private off?: () => void;
  private declarePending = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly people: () => readonly DeclaredPerson[] = () => [],
  ) {
    this.kicker = new Kicker(() => this.catchUp(), (err) => this.log.error({ err }, 'resolving change authors to users failed'));
  }

  start(): void {
    this.off = this.store.bus.on('change.new', () => this.kicker.kick());
    this.refresh();
  }

  /** The config was reloaded: merge the declared people again (settled() waits for it). */
  refresh(): void {
    this.declarePending = true;
    this.kicker.kick();
  }

  /** Look for changes stored meanwhile (by another master, whose bus this one does not hear). */
  kick(): void {
    this.kicker.kick();
  }

  stop(): void {
    this.off?.();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  private async catchUp(): Promise<void> {
    if (this.declarePending) {
      this.declarePending = false;
      const people = this.people();
      const out = await this.store.users.withLock(() => applyDeclared(this.store, people)).catch((err: unknown) => {
        this.declarePending = true; // tried again on the next change or reconfig
        throw err;
      });
      if (out.created.length + out.updated.length + out.folded.length) this.log.info(out, 'declared users (users.people) merged');
    }
    for (;;) {
      const cursor = await this.store.users.cursor();
      const ids = await this.store.changeIdsAfter(cursor, BATCH);
      if (!ids.length) return;
      const changes = await this.store.getChanges(ids);
      await this.store.users.withLock(async () => {
        for (const c of changes) {
          try {
            await resolveAuthor(this.store, c.author);
          } catch (err) {
            this.log.warn({ err, change: c.id, author: c.author }, 'could not resolve a change author to a user');
          }
        }
        await this.store.users.setCursor(ids[ids.length - 1]!);
      });
    }
  }
}
