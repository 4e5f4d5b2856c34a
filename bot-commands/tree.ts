import type { CommandSpec } from '../src/chat/command.js';
import { who } from './demote.js';

export const treeCommand: CommandSpec = {
  name: 'tree',
  usage: '',
  summary: 'is the tree open? Closed while a supported builder has an open Problem or an admin closed it',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    const t = await api.tiers.tree();
    if (t.open) return 'The tree is open.';
    return [`The tree is closed: ${t.reasons.join('; ')}.`, ...(t.responsible.length ? [`Responsible: ${t.responsible.join(', ')}.`] : [])];
  },
};

export const treeCloseCommand: CommandSpec = {
  name: 'tree close',
  usage: '<reason>',
  summary: 'close the tree, saying why',
  permission: 'dangerous',
  minArgs: 1,
  async run({ args, api, message }) {
    const reason = args.join(' ');
    await api.tiers.closeTree(who(message), reason);
    return `The tree is closed: ${reason}`;
  },
};

export const treeOpenCommand: CommandSpec = {
  name: 'tree open',
  usage: '',
  summary: 'open the tree an admin closed (open Problems on supported builders keep it closed)',
  permission: 'dangerous',
  maxArgs: 0,
  async run({ api, message }) {
    const was = await api.tiers.openTree(who(message));
    const t = await api.tiers.tree();
    const head = was ? 'The tree is no longer closed by hand.' : 'Nobody had closed the tree by hand.';
    return t.open ? `${head} It is open.` : `${head} It stays closed: ${t.reasons.join('; ')}.`;
  },
};
