import { Command } from 'commander';
import { runDemo } from '../../demo/demo.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('run bb on one machine: a private Redis, a master, an executor, a sample repository and a chat shell')
    .option('--story-interval <seconds>', 'seconds between the scripted commits (0: no story)', '12')
    .option('--no-shell', 'do not open the chat shell; just print what happens')
    .option('--duration <seconds>', 'stop after this many seconds (default: run until Ctrl-C or /quit)')
    .action(async (o: { storyInterval: string; shell: boolean; duration?: string }) => {
      await runDemo({
        storyIntervalSec: Number(o.storyInterval),
        shell: o.shell,
        ...(o.duration ? { durationSec: Number(o.duration) } : {}),
      });
    });
}
