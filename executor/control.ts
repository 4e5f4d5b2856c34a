import type { Job } from 'bullmq';
import type { Logger } from '../src/log.js';
import { signedBuildJobSchema, stopBuildPayloadSchema } from '../src/queue/jobs.js';
import { verify } from '../src/queue/signing.js';
import type { JobProcessor } from './job-processor.js';

/**
 * Control messages from the master (the `ctl.<executor>` queue): only `stop` for now. A message
 * is acted on only when the master's signature verifies, it names this executor and has not
 * expired; anything else is logged and dropped.
 */
export function controlProcessor(o: { executor: string; secret: string; jobs: JobProcessor; log: Logger }) {
  return async (job: Job): Promise<{ stopped: boolean }> => {
    const outer = signedBuildJobSchema.safeParse(job.data);
    const payload = outer.success ? stopBuildPayloadSchema.safeParse(outer.data.payload) : undefined;
    if (!outer.success || !payload?.success || !verify(outer.data.payload, outer.data.sig, o.secret)) {
      o.log.warn({ jobId: job.id }, 'control message refused: bad signature or shape');
      return { stopped: false };
    }
    const p = payload.data;
    if (p.executor !== o.executor || Date.now() > p.expiresAt) {
      o.log.warn({ jobId: job.id, executor: p.executor }, 'control message refused: not for this executor or expired');
      return { stopped: false };
    }
    const stopped = o.jobs.stop(p.buildId, p.token, p.text);
    o.log.info({ buildId: p.buildId, stopped }, stopped ? 'stopping build at the master\'s request' : 'stop for a build not running here (its job, should it come, is not run)');
    return { stopped };
  };
}
