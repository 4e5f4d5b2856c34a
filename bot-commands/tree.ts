import type { CommandSpec } from '../src/chat/command.js';
import { heardIn, who } from './demote.js';

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
    const where = heardIn(message);
    await api.act('tree', { op: 'close', by: who(message), reason, ...(where ? { heardIn: where } : {}) });
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
    const where = heardIn(message);
    const was = (await api.act('tree', { op: 'open', by: who(message), ...(where ? { heardIn: where } : {}) })).lifted;
    const t = await api.tiers.tree();
    if (t.open) return was ? 'The tree is open.' : 'Nobody had closed the tree by hand; it is open.';
    const head = was ? 'Your hand closure is lifted, but the tree stays closed' : 'Nobody had closed the tree by hand; it stays closed';
    return `${head}: ${t.reasons.join('; ')}.`;
  },
};
