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
import { forgetCommand } from './forget.js';
import { verifyCommand } from './verify.js';
import { myCommand } from './my.js';
import { userCommand } from './user.js';
import { notifyCommand } from './notify.js';
import { muteCommand } from './mute.js';
import { unmuteCommand } from './unmute.js';
import { watchCommand } from './watch.js';
import { problemCommand, problemsCommand } from './problems.js';
import { ackCommand } from './ack.js';
import { notMeCommand } from './not-me.js';
import { snoozeCommand } from './snooze.js';
import { watchProblemCommand } from './watch-problem.js';
import { flakyCommand } from './flaky.js';
import { sheriffCommand, sheriffSetCommand } from './sheriff.js';
import { demoteCommand } from './demote.js';
import { promoteCommand } from './promote.js';
import { tiersCommand } from './tiers.js';
import { packagesCommand } from './packages.js';
import { treeCommand, treeCloseCommand, treeOpenCommand } from './tree.js';
import { schedulersCommand, schedulerDisableCommand, schedulerEnableCommand } from './scheduler.js';

/** Every chat command, in the order help lists them. Adding a command means adding it here. */
export function allCommands(): CommandSpec[] {
  const specs: CommandSpec[] = [statusCommand, lastCommand, listCommand, forceCommand, stopCommand, schedulersCommand, schedulerDisableCommand, schedulerEnableCommand, logCommand, versionCommand, whoamiCommand, iamCommand, verifyCommand, forgetCommand, myCommand, userCommand, notifyCommand, muteCommand, unmuteCommand, watchCommand, tiersCommand, demoteCommand, promoteCommand, packagesCommand, treeCommand, treeCloseCommand, treeOpenCommand, ...problemCommands()];
  const help = helpCommand(() => list);
  const list = [help, ...specs];
  return list;
}

/** The Problem commands (src/problems/). */
function problemCommands(): CommandSpec[] {
  return [problemsCommand, problemCommand, ackCommand, notMeCommand, snoozeCommand, watchProblemCommand, flakyCommand, sheriffCommand, sheriffSetCommand];
}
