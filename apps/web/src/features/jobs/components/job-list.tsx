import type { SyncJobSummary } from '@datasync/contracts';
import { StatusBadge } from '../../../components/ui';
import { dateTime, duration, timeAgo } from '../../../lib/format';
import { Link } from '../../../lib/router';

/** Jobs as a table: status, trigger, when, how long; each links to its detail page. */
export function JobTable({ jobs, label }: { jobs: SyncJobSummary[]; label: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label={label}>
        <thead className="text-left text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-2">Job</th>
            <th>Status</th>
            <th>Trigger</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} className="border-t border-slate-100">
              <td className="py-2">
                <Link to={`/jobs/${job.id}`} className="font-mono text-indigo-700 underline">
                  {job.id.slice(0, 8)}
                </Link>
                {job.force && <span className="ml-1 text-xs text-slate-500">(forced)</span>}
              </td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td>{job.trigger}</td>
              <td title={dateTime(job.created_at)}>{timeAgo(job.started_at ?? job.created_at)}</td>
              <td>{duration(job.started_at, job.completed_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
