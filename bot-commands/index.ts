import type { CommandSpec } from '../src/chat/command.js';
import { helpCommand } from './help.js';
import { statusCommand } from './status.js';
import { lastCommand } from './last.js';
import { listCommand } from './list.js';
import { forceCommand } from './force.js';
import { stopCommand } from './stop.js';
import { logCommand } from './log.js';
import { versionCommand } from './version.js';
import { whoamiCommand } from './whoami.js';
import { iamCommand } from './iam.js';
import { verifyCommand } from './verify.js';
import { notifyCommand } from './notify.js';
import { muteCommand } from './mute.js';
import { unmuteCommand } from './unmute.js';
import { watchCommand } from './watch.js';

/** Every chat command, in the order help lists them. Adding a command means adding it here. */
export function allCommands(): CommandSpec[] {
  const specs: CommandSpec[] = [statusCommand, lastCommand, listCommand, forceCommand, stopCommand, logCommand, versionCommand, whoamiCommand, iamCommand, verifyCommand, notifyCommand, muteCommand, unmuteCommand, watchCommand];
  const help = helpCommand(() => list);
  const list = [help, ...specs];
  return list;
}
