import { withTenant } from '../../db/tenant.js';
import type { AppDb } from '../../db/types.js';
import { groupBy } from '../../lib/group-by.js';
import type { LiveLines } from '../../live/index.js';
import { writeJobLogs } from '../jobs/job-log-writer.js';
import type { NewLog } from '../jobs/job-logs.repo.js';
import { QUEUES } from '../../queue/job-queue.js';
import { deliveryIdsOf, type DeliverJobData, type PlanJobData } from '../queue/queue-jobs.js';
import { unfinishedDeliveriesByJob, type HandedBackJob } from './recovery.repo.js';

interface JobTally {
  resent: number;
  givenUp: number;
  plan: 'resent' | 'given-up' | null;
  holder: HandedBackJob | null;
}

/**
 * One `warn` line per sync job whose queue jobs were handed back, on the job page (which shows its logs live):
 * how many of its deliveries are sent again, which worker held them and since when it was silent.
 */
export async function writeHandBackLogs(
  db: AppDb,
  liveLines: LiveLines,
  handed: HandedBackJob[],
  cause: 'dead-worker' | 'restart',
): Promise<void> {
  for (const [orgId, jobs] of groupBy(handed, (job) => String(job.data.orgId))) {
    await withTenant(db, { orgId }, async (tx) => {
      const tallies = new Map<string, JobTally>();
      const tallyOf = (jobId: string, holder: HandedBackJob) => {
        let tally = tallies.get(jobId);
        if (!tally) tallies.set(jobId, (tally = { resent: 0, givenUp: 0, plan: null, holder: null }));
        if (!tally.holder && holder.host) tally.holder = holder;
        return tally;
      };
      for (const job of jobs) {
        if (job.queue === QUEUES.plan) {
          tallyOf((job.data as unknown as PlanJobData).jobId, job).plan =
            job.state === 'retry' ? 'resent' : 'given-up';
          continue;
        }
        const ids = deliveryIdsOf(job.data as unknown as DeliverJobData);
        for (const { jobId, count } of await unfinishedDeliveriesByJob(tx, ids)) {
          const tally = tallyOf(jobId, job);
          if (job.state === 'retry') tally.resent += count;
          else tally.givenUp += count;
        }
      }
      const logs: NewLog[] = [];
      for (const [jobId, tally] of tallies) {
        if (tally.plan === null && tally.resent + tally.givenUp === 0) continue;
        logs.push({
          organizationId: orgId,
          jobId,
          level: tally.givenUp > 0 || tally.plan === 'given-up' ? 'error' : 'warn',
          message: handBackMessage(tally, cause),
          metadata: {
            cause,
            resent: tally.resent,
            given_up: tally.givenUp,
            plan: tally.plan,
            worker: tally.holder ? `${tally.holder.host}:${tally.holder.pid}` : null,
            silent_since: tally.holder?.lastSeenAt ?? null,
          },
        });
      }
      await writeJobLogs(tx, liveLines, logs);
    });
  }
}

const deliveries = (n: number) => (n === 1 ? '1 delivery' : `${n} deliveries`);

export function handBackMessage(tally: JobTally, cause: 'dead-worker' | 'restart'): string {
  const parts: string[] = [];
  if (tally.plan === 'resent') parts.push('the plan runs again now');
  if (tally.plan === 'given-up') parts.push('the plan is not run again (it used up its retries)');
  if (tally.resent > 0)
    parts.push(`${deliveries(tally.resent)} ${tally.resent === 1 ? 'is' : 'are'} sent again now`);
  if (tally.givenUp > 0)
    parts.push(
      `${deliveries(tally.givenUp)} ${tally.givenUp === 1 ? 'is' : 'are'} not sent again (used up their retries)`,
    );
  if (cause === 'restart') return `DataSync restarted after stopping mid-sync; ${parts.join('; ')}.`;
  const holder = tally.holder
    ? `worker ${tally.holder.host}:${tally.holder.pid}, silent since ${clockOf(tally.holder.lastSeenAt!)}`
    : 'a worker that stopped';
  return `Work of this sync was held by ${holder}; ${parts.join('; ')}.`;
}

/** `02:31:05Z`: the time of day is what a reader of a running job's log compares. */
function clockOf(iso: string): string {
  return `${iso.slice(11, 19)}Z`;
}
