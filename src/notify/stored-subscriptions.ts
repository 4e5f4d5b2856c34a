import type { SubscriptionsApi } from './subscriptions-api.js';
import { NOTIFY_EVENTS, type MasterConfig, type NotifyEvent } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { Audience } from './audience.js';
import { announceFinished } from './finished.js';
import { htmlStyle } from './html-style.js';
import { render } from './render.js';
import { plainStyle } from './style.js';
import { SubscriptionStore } from './subscriptions.js';
import { WatchStore, type Watch } from './watches.js';

/** The chat commands' view of subscriptions, mutes and watches, kept in the master's Redis. */
export class StoredSubscriptions implements SubscriptionsApi {
  readonly eventClasses = NOTIFY_EVENTS;
  private readonly subs: SubscriptionStore;
  private readonly watchStore: WatchStore;

  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
  ) {
    this.subs = new SubscriptionStore(store.subscriptions, config.chat?.announce ?? []);
    this.watchStore = new WatchStore(store.watches);
  }

  events(a: Audience) {
    return this.subs.events(a);
  }

  subscribe(a: Audience, events: NotifyEvent[]) {
    return this.subs.subscribe(a, events);
  }

  unsubscribe(a: Audience, events: NotifyEvent[] | 'all') {
    return this.subs.unsubscribe(a, events);
  }

  isMuted(a: Audience) {
    return this.subs.isMuted(a);
  }

  setMuted(a: Audience, muted: boolean, by: string) {
    return muted ? this.subs.mute(a, by) : this.subs.unmute(a);
  }

  watches(a: Audience) {
    return this.watchStore.forAudience(a);
  }

  watch(w: Watch) {
    return this.watchStore.add(w);
  }

  unwatch(w: Watch) {
    return this.watchStore.remove(w);
  }

  async announcement(build: Build) {
    const { news } = await announceFinished(this.store, build, this.config.titleUrl);
    return { text: render(news, plainStyle), html: render(news, htmlStyle) };
  }
}
