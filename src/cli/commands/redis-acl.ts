import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { aclFileLine, aclUsers } from '../../queue/acl.js';

/** `bb redis-acl --config master.ts`: Redis ACL users for the master and each executor, with fresh passwords. */
export function redisAclCommand(): Command {
  return new Command('redis-acl')
    .description('print Redis ACL users (an ACL file) for the master and each executor of a config, with fresh passwords')
    .requiredOption('--config <file>', 'the master config')
    .option('--host <host:port>', 'Redis address for the URLs printed as comments', '127.0.0.1:6379')
    .action(async (o: { config: string; host: string }) => {
      const { config } = await loadConfig(o.config);
      const prefix = config.redis.prefix;
      const users = aclUsers(prefix, config.executors.map((e) => e.name));
      const out = [
        `# Redis ACL users for bb (key prefix "${prefix}"), made by bb redis-acl. Put these lines in the`,
        '# file named by redis.conf\'s `aclfile` (then `ACL LOAD`), or give each to `ACL SETUSER`.',
        '# The passwords are new on every run and appear only here: keep this file private.',
        '# Consider `user default off` once everything uses these users.',
      ];
      for (const u of users) {
        out.push(`# ${u.role}: ${u.role === 'master' ? 'redis.url in the config (and REDIS_URL for the bb CLI)' : '--redis of that executor'} = redis://${u.user}:${u.password}@${o.host}`);
        out.push(aclFileLine(u));
      }
      console.log(out.join('\n'));
    });
}
