import { echo } from '../src/util/safe-text.js';
import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { NOTIFY_EVENTS, type NotifyEvent, audienceOf, type Audience } from '../src/chat/kit.js';

const DEFAULT_ON: NotifyEvent[] = ['failure', 'recovery'];

/** `notify on|off|list [events…]`: a channel's announcements, or in a DM the sender's own. */
export const notifyCommand: CommandSpec = {
  name: 'notify',
  usage: 'on|off|list [events…]',
  summary: 'choose the announcements this channel gets (in a DM: the ones you get)',
  help: [
    `Events: ${NOTIFY_EVENTS.join(', ')} (or all).`,
    '"notify on" alone turns on failure and recovery; "notify off" alone turns everything off. A failure that repeats the previous one exactly is announced once.',
  ].join('\n'),
  permission: 'channel',
  readOnly: (args) => (args[0] ?? 'list').toLowerCase() === 'list',
  maxArgs: 12,
  async run({ args, api, message }) {
    const subs = api.subscriptions;
    const audience = audienceOf(message);
    const [verb = 'list', ...rest] = args.map((a) => a.toLowerCase());
    const who = subject(audience);
    if (verb === 'list') {
      if (rest.length) throw new UsageError('"notify list" takes no events');
      const [events, muted, watches] = await Promise.all([subs.events(audience), subs.isMuted(audience), subs.watches(audience)]);
      const parts = [`${who.name} ${who.gets}: ${events.length ? events.join(', ') : 'no announcements'}.`];
      if (muted) parts.push('Muted (say "unmute" to hear them).');
      if (watches.length) parts.push(`Watching: ${watches.map((w) => (w.number !== undefined ? `${w.builder} #${w.number}` : `${w.builder} (next build)`)).join(', ')}.`);
      return parts.join(' ');
    }
    if (verb !== 'on' && verb !== 'off') throw new UsageError(`"${echo(args[0] ?? '')}" is not on, off or list`);
    const events = parseEvents(rest, subs.eventClasses);
    const now =
      verb === 'on'
        ? await api.act('notify', { op: 'on', audience, events: events.length ? events : DEFAULT_ON })
        : await api.act('notify', { op: 'off', audience, events: events.length ? events : 'all' });
    const muted = await subs.isMuted(audience);
    return `${who.name} now ${who.gets}: ${now.length ? now.join(', ') : 'no announcements'}.${muted && now.length ? ' (Muted: say "unmute" to hear them.)' : ''}`;
  },
};

/** Event names, comma- or space-separated; `all` is every one. */
function parseEvents(words: string[], valid: readonly NotifyEvent[]): NotifyEvent[] {
  const out = new Set<NotifyEvent>();
  for (const w of words.flatMap((x) => x.split(',')).filter(Boolean)) {
    if (w === 'all') valid.forEach((e) => out.add(e));
    else if ((valid as readonly string[]).includes(w)) out.add(w as NotifyEvent);
    else throw new UsageError(`unknown event "${echo(w)}"; the events are ${valid.join(', ')} (or all)`);
  }
  return [...out];
}

function subject(a: Audience): { name: string; gets: string } {
  return a.kind === 'channel' ? { name: a.channel, gets: 'gets' } : { name: 'You', gets: 'get in DMs' };
}
