import { echo } from '../src/util/safe-text.js';
import { CommandError, UsageError, type CommandSpec, type Reply } from '../src/chat/command.js';
import type { BotApi } from '../src/chat/api.js';
import type { Build } from '../src/model/build.js';
import { audienceOf, type Watch } from '../src/chat/kit.js';

const MAX_WATCHES = 20;

/**
 * `watch <builder> [number]`: say here, once, how that build ends: the given one, else the running
 * one, else the next. A build that has ended already is answered at once.
 */
export const watchCommand: CommandSpec = {
  name: 'watch',
  usage: '<builder> [number]',
  summary: 'tell this channel (in a DM: you) once how a build ends: the one named, the running one, or the next',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 2,
  async run({ args, api, message }): Promise<Reply | string> {
    const [builder, num] = args as [string, string | undefined];
    if (num !== undefined && !/^#?\d{1,9}$/.test(num)) throw new UsageError(`"${num}" is not a build number`);
    const cfg = await api.config();
    if (!cfg.builders.some((b) => b.name === builder)) {
      throw new CommandError(`There is no builder "${echo(builder)}" (builders: ${cfg.builders.map((b) => b.name).join(', ')}).`);
    }
    const audience = audienceOf(message);
    const here = audience.kind === 'channel' ? 'say here' : 'tell you';
    const base = { audience, builder, by: message.account ?? `${message.transport}:${message.sender}`, at: Date.now() };
    if ((await api.subscriptions.watches(audience)).length >= MAX_WATCHES) {
      throw new CommandError(`There are ${MAX_WATCHES} watches here already; each goes away when its build ends.`);
    }

    let watch: Watch;
    let said: string;
    if (num !== undefined) {
      const n = Number(num.replace("#", ""));
      const build = await api.build(builder, n);
      if (build && ended(build)) return announce(api, build);
      if (build?.state === 'finished') {
        watch = { ...base, after: n };
        said = `${builder} #${n} ended in RETRY (${build.text ?? 'to be run again'}); I'll ${here} how the next build ends.`;
      } else if (build) {
        watch = { ...base, number: n };
        said = `${builder} #${n} is ${build.state}; I'll ${here} how it ends.`;
      } else {
        const last = (await api.lastBuild(builder))?.number ?? 0;
        if (n <= last) throw new CommandError(`${await api.missingBuild(builder, n)}.`);
        watch = { ...base, number: n };
        said = `${builder} #${n} has not started yet; I'll ${here} how it ends.`;
      }
    } else {
      const [status] = await api.status(builder);
      const running = [...(status?.running ?? [])].sort((a, b) => a.number - b.number)[0];
      if (running) {
        watch = { ...base, number: running.number };
        said = `${builder} #${running.number} is ${running.state}; I'll ${here} how it ends.`;
      } else {
        watch = { ...base, after: (await api.lastBuild(builder))?.number ?? 0 };
        said = `${builder} is idle; I'll ${here} how its next build ends.`;
      }
    }
    await api.act('watch', watch);
    // The build may have ended between the look above and the watch: whoever drops the watch tells.
    const now = watch.number !== undefined ? await api.build(builder, watch.number) : await api.lastBuild(builder);
    if (now && ended(now) && now.number > (watch.after ?? -1) && (await api.act('unwatch', watch))) return announce(api, now);
    return said;
  },
};

function ended(b: Build): boolean {
  return b.state === 'finished' && b.result !== 'RETRY';
}

async function announce(api: BotApi, build: Build): Promise<Reply> {
  const { text, html } = await api.subscriptions.announcement(build);
  return { lines: [text], html };
}
