import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { USER_NAME_RE } from '../src/chat/identity.js';
import { actor } from './problem-text.js';

/** `sheriff`: who is on duty this week. */
export const sheriffCommand: CommandSpec = {
  name: 'sheriff',
  usage: '',
  summary: 'who is the sheriff on duty this week',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    const s = await api.problems.sheriff();
    const rotation = s.rotation.length ? ` (rotation: ${s.rotation.join(', ')})` : '';
    return s.user ? `The sheriff for ${s.week} is ${s.user}${rotation}.` : `Nobody is sheriff for ${s.week}; set one with "${api.botName}: sheriff set NAME".`;
  },
};

/** `sheriff set NAME`: hand this week's duty to someone. */
export const sheriffSetCommand: CommandSpec = {
  name: 'sheriff set',
  usage: '<user>',
  summary: "make a bb user this week's sheriff",
  permission: 'dangerous',
  minArgs: 1,
  maxArgs: 1,
  async run({ api, args, message }) {
    const user = args[0]!;
    if (!USER_NAME_RE.test(user)) throw new UsageError(`"${user}" is not a bb user name.`);
    await api.act('sheriff', { user, by: await actor(api, message) });
    const s = await api.problems.sheriff();
    return `${user} is the sheriff for ${s.week}.`;
  },
};
